"""Sanction facts from AP press releases and decisions: who, the fine, the maximum penalty payments, the date.

Every text is written for these tests (real cases such as Clearview AI, Uber, Netflix, Kruidvat, the
Belastingdienst and TikTok are phrased here, not copied); each case pins a value a naive reading gets wrong:
the statutory maximum, a turnover figure, a weekly penalty amount, an earlier fine, a publication date.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.sanctions import SanctionFacts, extract_sanctions

B, D = "boete", "last onder dwangsom"

CASES = [
    pytest.param(
        "AP legt Clearview AI boete van 30,5 miljoen euro en dwangsommen op",
        "De Autoriteit Persoonsgegevens (AP) legt Clearview AI een boete op van € 30,5 miljoen. Daarnaast moet "
        "Clearview dwangsommen betalen tot maximaal € 5,1 miljoen als het bedrijf de overtredingen niet beëindigt. "
        "Clearview bouwde een illegale databank met miljarden foto's van gezichten, ook van Nederlanders. "
        "In het besluit van 16 mei 2024 stelt de AP dat het bedrijf daarvoor geen grondslag heeft. "
        "De maximale boete voor zo'n overtreding is 20 miljoen euro of 4% van de wereldwijde jaaromzet.",
        SanctionFacts("Clearview AI", 30_500_000, 5_100_000, date(2024, 5, 16), (B, D)),
        id="clearview-fine-penalties-statutory-maximum",
    ),
    pytest.param(
        "AP beboet Uber met 290 miljoen euro om doorgifte gegevens chauffeurs",
        "Uber stuurde jarenlang gevoelige gegevens van Europese taxichauffeurs naar de Verenigde Staten. "
        "Het concern, dat vorig jaar ruim 34 miljard euro omzet boekte, gaat in bezwaar. "
        "Boetes kunnen volgens de AVG oplopen tot 4% van de wereldwijde jaaromzet.",
        SanctionFacts("Uber", 290_000_000, None, None, (B,)),
        id="uber-title-amount-turnover-after",
    ),
    pytest.param(
        "€ 4,75 miljoen boete voor Netflix",
        "De AP heeft Netflix een boete opgelegd van € 4,75 miljoen. De streamingdienst vertelde klanten tussen "
        "2018 en 2020 onvoldoende wat het bedrijf met hun gegevens deed.",
        SanctionFacts("Netflix", 4_750_000, None, None, (B,)),
        id="netflix-headline-without-verb",
    ),
    pytest.param(
        "Boete voor Kruidvat om volgen bezoekers via cookies",
        "De AP heeft drogisterijketen Kruidvat een boete van 600 duizend euro opgelegd. Kruidvat plaatste "
        "trackingcookies zonder geldige toestemming van bezoekers van de webwinkel.",
        SanctionFacts("Kruidvat", 600_000, None, None, (B,)),
        id="kruidvat-duizend-description-stripped",
    ),
    pytest.param(
        "Belastingdienst krijgt boete voor discriminerende verwerking nationaliteit",
        "De Belastingdienst krijgt een boete van € 2,75 mln. De dienst verwerkte jarenlang de (dubbele) "
        "nationaliteit van aanvragers van kinderopvangtoeslag op onrechtmatige en discriminerende wijze.",
        SanctionFacts("Belastingdienst", 2_750_000, None, None, (B,)),
        id="belastingdienst-mln-article-stripped",
    ),
    pytest.param(
        "AP: TikTok krijgt boete van € 750.000",
        "De AP heeft TikTok een boete van 750.000 euro opgelegd, omdat de app de privacyverklaring alleen in het "
        "Engels aanbood aan Nederlandse kinderen. Het besluit dateert van 22 juli 2021.",
        SanctionFacts("TikTok", 750_000, None, date(2021, 7, 22), (B,)),
        id="tiktok-colon-headline-besluit-dateert-van",
    ),
    pytest.param(
        "Boete en dwangsom voor Stichting Zorgnet Oost",
        "De AP legt Stichting Zorgnet Oost een boete op van € 440.000 en een last onder dwangsom van € 20.000 per "
        "week, met een maximum van € 200.000.",
        SanctionFacts("Stichting Zorgnet Oost", 440_000, 200_000, None, (B, D)),
        id="fine-and-weekly-penalty-with-maximum-in-one-sentence",
    ),
    pytest.param(
        None,
        "De AP heeft Vitaalpunt B.V. een last onder dwangsom van € 50.000 per dag opgelegd tot een maximum van "
        "€ 1 miljoen, naast een boete van € 125.000.",
        SanctionFacts("Vitaalpunt B.V.", 125_000, 1_000_000, None, (B, D)),
        id="penalty-before-fine-in-one-sentence",
    ),
    pytest.param(
        "Dwangsom voor webwinkel Kledingkast",
        "De AP heeft webwinkel Kledingkast een last onder dwangsom opgelegd. Zolang het bedrijf de camera's met "
        "gezichtsherkenning in het magazijn niet uitschakelt, moet het € 10.000 per week betalen.",
        SanctionFacts("Kledingkast", None, None, None, (D,)),
        id="weekly-penalty-without-maximum-gives-none",
    ),
    pytest.param(
        None,
        "De AP legt de gemeente Zuiderveen een last onder dwangsom op van maximaal 50.000 euro. De gemeente moet "
        "binnen acht weken stoppen met het scannen van kentekens bij het zwembad.",
        SanctionFacts("gemeente Zuiderveen", None, 50_000, None, (D,)),
        id="municipality-penalty-maximum",
    ),
    pytest.param(
        "Privacywaakhond legt Clearview AI nieuwe dwangsom op",
        "De Autoriteit Persoonsgegevens (AP) heeft het Amerikaanse bedrijf Clearview AI opnieuw een last onder "
        "dwangsom opgelegd. Volgens de toezichthouder blijft het bedrijf foto's van Nederlanders van internet "
        "plukken, ondanks een eerdere boete van ruim dertig miljoen euro.\n"
        "De toezichthouder geeft Clearview AI tot 1 februari 2027 de tijd om alle beelden te verwijderen.\n"
        "Voor elke week dat het bedrijf daarna in gebreke blijft, moet het een bedrag van 250.000 euro betalen, "
        "tot een maximum van vijf miljoen euro.\n"
        "De toezichthouder waarschuwt Nederlandse organisaties om geen gebruik te maken van Clearview. Wie dat "
        "toch doet, riskeert een eigen boete.",
        SanctionFacts("Clearview AI", None, 5_000_000, None, (D,)),
        id="earlier-fine-in-words-new-penalty-only",
    ),
    pytest.param(
        "AP publiceert handreiking cookies",
        "Eerder legde de AP een boete op van € 600.000 aan Kruidvat. Nu publiceert de AP een handreiking over "
        "cookiemuren.",
        None,
        id="only-an-earlier-fine-announces-no-sanction",
    ),
    pytest.param(
        None,
        "In het besluit van de AP van 16 mei 2024 staat dat Clearview AI een boete van 30,5 miljoen euro krijgt. "
        "Clearview AI kreeg in 2022 ook al een boete in Italië, van 20 miljoen euro.",
        SanctionFacts("Clearview AI", 30_500_000, None, date(2024, 5, 16), (B,)),
        id="besluit-van-de-ap-van-and-ook-al",
    ),
    pytest.param(
        "Tweede boete voor Bouwbedrijf Hoogland",
        "Eerder kreeg het bedrijf al een boete van € 475.000. Nu legt de AP Bouwbedrijf Hoogland een nieuwe boete "
        "op van € 1,5 miljoen, omdat het de vingerafdrukken van bouwvakkers nog steeds bewaart.",
        SanctionFacts("Bouwbedrijf Hoogland", 1_500_000, None, None, (B,)),
        id="earlier-fine-first-current-fine-second",
    ),
    pytest.param(
        None,
        "De AP heeft eerder deze maand Uber een boete van 290 miljoen euro opgelegd. Het bedrijf gaat in beroep.",
        SanctionFacts("Uber", 290_000_000, None, None, (B,)),
        id="eerder-deze-maand-is-the-current-fine",
    ),
    pytest.param(
        None,
        "AUTORITEIT PERSOONSGEGEVENS\n"
        "Datum: 3 juni 2024\n"
        "Ons kenmerk: z2023-01234\n"
        "\n"
        "Besluit tot het opleggen van een bestuurlijke boete aan Stichting Welzijn Noord\n"
        "\n"
        "Boetecategorie II kent een bandbreedte van € 120.000 tot € 500.000 en een basisboete van € 310.000. "
        "Gelet op de beperkte omvang van de organisatie stelt de AP de boete vast op € 150.000.\n"
        "De AP legt aan Stichting Welzijn Noord, vanwege overtreding van artikel 32 AVG, een bestuurlijke boete "
        "op ten bedrage van € 150.000 (zegge: honderdvijftigduizend euro).",
        SanctionFacts("Stichting Welzijn Noord", 150_000, None, date(2024, 6, 3), (B,)),
        id="decision-header-band-and-base-fine",
    ),
    pytest.param(
        None,
        "Den Haag, 12 maart 2025\n"
        "Besluit tot oplegging van een last onder dwangsom aan gemeente Lindewaard\n"
        "De AP legt de gemeente Lindewaard een last onder dwangsom op. Indien de gemeente niet binnen twaalf "
        "weken de camera's met gezichtsherkenning bij het gemeentehuis verwijdert, verbeurt zij een dwangsom van "
        "€ 15.000 voor iedere week dat zij in gebreke blijft, tot een maximum van € 150.000.",
        SanctionFacts("gemeente Lindewaard", None, 150_000, date(2025, 3, 12), (D,)),
        id="decision-place-date-penalty-per-week-and-maximum",
    ),
    pytest.param(
        "AP legt Zorggroep Maasdal boete op",
        "Gepubliceerd: 2 april 2025\n"
        "In het besluit van 12 maart 2025 legt de AP Zorggroep Maasdal een boete op van EUR 725.000. "
        "De zorggroep liet medewerkers met een vingerafdruk inklokken.",
        SanctionFacts("Zorggroep Maasdal", 725_000, None, date(2025, 3, 12), (B,)),
        id="besluit-date-not-publication-date",
    ),
    pytest.param(
        "AP beboet Ledenadministratie Plus",
        "Publicatiedatum: 9 januari 2025\n"
        "In het besluit van 18 december legt de AP Ledenadministratie Plus B.V. een boete op van € 90.000.",
        SanctionFacts("Ledenadministratie Plus B.V.", 90_000, None, date(2024, 12, 18), (B,)),
        id="besluit-date-without-year-before-publication-in-january",
    ),
    pytest.param(
        "AP beboet Fietsdeelbedrijf Spaak",
        "Publicatiedatum: 9 januari 2025\n"
        "De AP heeft Fietsdeelbedrijf Spaak een boete van € 80.000 opgelegd. Het bedrijf moet vóór 1 maart 2025 "
        "de locatiegegevens van gebruikers wissen.",
        SanctionFacts("Fietsdeelbedrijf Spaak", 80_000, None, date(2025, 1, 9), (B,)),
        id="only-publication-date-and-a-deadline",
    ),
    pytest.param(
        "Recordboete voor Nimbus Social",
        "De AP heeft Nimbus Social Ltd. een boete van € 1,2 miljard opgelegd. Het bedrijf had vorig jaar een "
        "wereldwijde omzet van 96 miljard euro.",
        SanctionFacts("Nimbus Social Ltd.", 1_200_000_000, None, None, (B,)),
        id="miljard-and-turnover",
    ),
    pytest.param(
        None,
        "De boete voor deze overtreding is maximaal € 500.000. De AP stelt de boete voor Makelaardij Noord vast op "
        "€ 50.000, omdat het kantoor de gegevens snel verwijderde.",
        SanctionFacts("Makelaardij Noord", 50_000, None, None, (B,)),
        id="category-maximum-before-the-fine",
    ),
    pytest.param(
        "AP legt Webwinkelconcern Zuid boete op",
        "De hoogte van de boete is afgestemd op 2,3 miljard euro omzet en bedraagt € 3,2 miljoen.",
        SanctionFacts("Webwinkelconcern Zuid", 3_200_000, None, None, (B,)),
        id="turnover-right-after-a-fine-word",
    ),
    pytest.param(
        None,
        "De AP legt Pakketdienst Snel B.V., met een jaaromzet van € 80 miljoen, een boete op van € 350.000.",
        SanctionFacts("Pakketdienst Snel B.V.", 350_000, None, None, (B,)),
        id="turnover-between-name-and-fine",
    ),
    pytest.param(
        "Ruim half miljoen euro boete voor Zorggroep Rivierenland",
        "De AP heeft Zorggroep Rivierenland een boete van € 525.000 opgelegd.",
        SanctionFacts("Zorggroep Rivierenland", 525_000, None, None, (B,)),
        id="ruim-in-title-exact-amount-in-body",
    ),
    pytest.param(
        None,
        "De AP legt Reisbureau Zonnig B.V. een boete op van bijna € 3 miljoen. De boete bedraagt € 2.950.000 en "
        "is opgelegd omdat het reisbureau paspoortkopieën onbeveiligd bewaarde.",
        SanctionFacts("Reisbureau Zonnig B.V.", 2_950_000, None, None, (B,)),
        id="bijna-then-exact-amount",
    ),
    pytest.param(
        None,
        "De AP legt Telecombedrijf Verbinding een boete op van ruim 1,1 miljoen euro.",
        SanctionFacts("Telecombedrijf Verbinding", 1_100_000, None, None, (B,)),
        id="ruim-only",
    ),
    pytest.param(
        "Rechtbank vernietigt boete voor Sportschool Fitlab",
        "De rechtbank Rotterdam heeft de boete van € 725.000 die de AP in 2023 aan Fitlab B.V. oplegde vernietigd. "
        "Volgens de rechter heeft de AP onvoldoende onderbouwd dat de sportschool biometrische gegevens verwerkte. "
        "De AP bestudeert de uitspraak en beraadt zich op hoger beroep.",
        None,
        id="appeal-annulled-fine",
    ),
    pytest.param(
        "Rechter: boete voor Zorgverzekeraar Vita blijft staan",
        "De rechtbank heeft het beroep van Zorgverzekeraar Vita tegen de boete van € 725.000 ongegrond verklaard.",
        SanctionFacts("Zorgverzekeraar Vita", 725_000, None, None, (B,)),
        id="appeal-rejected-fine-stands",
    ),
    pytest.param(
        "Rechtbank verlaagt boete Hotelketen Duinzicht",
        "De rechtbank Den Haag heeft de boete van € 900.000 voor Hotelketen Duinzicht verlaagd tot € 600.000.",
        SanctionFacts("Hotelketen Duinzicht", 600_000, None, None, (B,)),
        id="appeal-reduced-fine",
    ),
    pytest.param(
        "AP publiceert Rapportage Algoritmerisico's Nederland",
        "De AP ziet dat steeds meer organisaties algoritmes inzetten voor gezichtsherkenning. Organisaties die de "
        "AVG overtreden, riskeren een boete. De AP kan een boete opleggen van maximaal 20 miljoen euro of 4% van "
        "de wereldwijde jaaromzet.",
        None,
        id="report-with-statutory-maximum-only",
    ),
    pytest.param(
        "Vacature: senior jurist boetes en handhaving",
        "Wil jij meewerken aan boetebesluiten die standhouden bij de rechter? Als jurist bij de directie "
        "Handhaving bereid je sanctiebesluiten voor. Het salaris bedraagt maximaal € 6.500 per maand.",
        None,
        id="vacancy",
    ),
    pytest.param(
        "Webinar: hoe voorkom je een boete van de AP?",
        "Op 14 november 2024 organiseert de AP een webinar voor functionarissen gegevensbescherming. Wanneer legt "
        "de AP een boete op, en hoe hoog kan die worden?",
        None,
        id="event",
    ),
    pytest.param(
        "Hoe werkt toezicht?",
        "De AP legt boetes op aan organisaties die de AVG overtreden. Een boete kan oplopen tot 20 miljoen euro.",
        None,
        id="general-statement",
    ),
    pytest.param(
        "Jaarverslag 2023: meer klachten over camera's",
        "In 2023 legde de AP 11 boetes op, samen goed voor ruim € 300 miljoen.",
        None,
        id="annual-total",
    ),
    pytest.param(
        "AP wil Datahandel Noord beboeten",
        "De AP heeft het voornemen om Datahandel Noord een boete van € 2 miljoen op te leggen. Het bedrijf kan "
        "nog een zienswijze geven.",
        None,
        id="intended-fine-is-not-imposed",
    ),
    pytest.param(
        "AP legt geen boete op aan Ziekenhuis Rijnland, wel een berisping",
        "De AP heeft Ziekenhuis Rijnland berispt omdat medewerkers zonder noodzaak patiëntdossiers inzagen.",
        SanctionFacts("Ziekenhuis Rijnland", None, None, None, ("berisping",)),
        id="no-fine-but-a-reprimand",
    ),
    pytest.param(
        None,
        "De AP heeft de gemeente Oosterveld een berisping gegeven, omdat de gemeente zonder grondslag camera's "
        "met gezichtsherkenning in het stadscentrum ophing.",
        SanctionFacts("gemeente Oosterveld", None, None, None, ("berisping",)),
        id="reprimand-municipality",
    ),
    pytest.param(
        None,
        "De AP legt Sportclub Actief een verwerkingsverbod op: de club mag de vingerafdrukscanners bij de ingang "
        "niet langer gebruiken.",
        SanctionFacts("Sportclub Actief", None, None, None, ("verwerkingsverbod",)),
        id="processing-ban",
    ),
    pytest.param(
        None,
        "De AP heeft Woningcorporatie Thuisbasis een formele waarschuwing gegeven: de corporatie wilde huurders "
        "met gezichtsherkenning toegang geven tot de flats.",
        SanctionFacts("Woningcorporatie Thuisbasis", None, None, None, ("waarschuwing",)),
        id="formal-warning",
    ),
    pytest.param(
        "AP waarschuwt ouders voor apps die gezichten scannen",
        "De AP geeft een waarschuwing af aan ouders: sommige fotobewerkingsapps sturen gezichtsscans naar servers "
        "buiten Europa. De AP waarschuwt ouders om goed op te letten.",
        None,
        id="public-warning-is-no-sanction",
    ),
    pytest.param(
        None,
        "De AP heeft het bedrijf Fotoflits B.V. een bevel opgelegd om binnen vier weken alle gezichtsscans te "
        "wissen.",
        SanctionFacts("Fotoflits B.V.", None, None, None, ("bevel",)),
        id="order",
    ),
    pytest.param(
        "Uber krijgt boete van 290 miljoen",
        "De toezichthouder maakte het besluit maandag bekend.",
        SanctionFacts("Uber", 290_000_000, None, None, (B,)),
        id="miljoen-without-currency",
    ),
    pytest.param(
        None,
        "De AP legt Uber de hoogste boete ooit op: 290 miljoen euro.",
        SanctionFacts("Uber", 290_000_000, None, None, (B,)),
        id="hoogste-boete-ooit-is-not-a-maximum",
    ),
    pytest.param(
        None,
        "De AP legt een huisartsenpraktijk een boete op van € 12.000, omdat een medewerker dossiers meenam.",
        SanctionFacts(None, 12_000, None, None, (B,)),
        id="unnamed-organisation",
    ),
    pytest.param(
        None,
        "De AP legt Zwembad De Golfslag een boete op van € 40.000. Als het zwembad de gezichtsscanners niet "
        "weghaalt, kan de AP ook een last onder dwangsom opleggen. Zonder medewerking had de boete kunnen oplopen "
        "tot € 100.000.",
        SanctionFacts("Zwembad De Golfslag", 40_000, None, None, (B,)),
        id="hypothetical-penalty-and-hypothetical-higher-fine",
    ),
    pytest.param(
        None,
        "Datum: 03-06-2024\n"
        "Besluit tot het opleggen van een last onder dwangsom aan Datamakelaar Kompas B.V.\n"
        "De AP legt Datamakelaar Kompas B.V. een last onder dwangsom op van € 250.000 ineens als het bedrijf "
        "niet vóór 1 september 2024 de gegevens wist.",
        SanctionFacts("Datamakelaar Kompas B.V.", None, 250_000, date(2024, 6, 3), (D,)),
        id="lump-sum-penalty-numeric-header-date",
    ),
]


@pytest.mark.parametrize(("title", "text", "expected"), CASES)
def test_extract_sanctions(title: str | None, text: str, expected: SanctionFacts | None) -> None:
    assert extract_sanctions(title, text) == expected


def test_non_breaking_spaces_in_amounts() -> None:
    facts = extract_sanctions(None, "De AP legt Kruidvat een boete op van €\u00a0600.000.")
    assert facts is not None and facts.fine_eur == 600_000


def test_empty_text() -> None:
    assert extract_sanctions(None, "") is None
    assert extract_sanctions("", "   \n ") is None
