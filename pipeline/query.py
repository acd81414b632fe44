"""Parses watchlist queries (words, "phrases", prefix*, AND, OR, NOT, NEAR/n, @entity) into a tree.

Grammar, loosest binding first (operators are upper-case; lower-case "and"/"or" are words):

    query  := all ("OR" all)*
    all    := near (["AND"] near)*          two terms side by side mean AND
    near   := unary ("NEAR/" n unary)*      both within n words of each other, in either order
    unary  := ("NOT" | "-") unary | "(" query ")" | '"' words '"' | word | word* | @entity-id
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.errors import QuerySyntaxError
from pipeline.folding import fold
from pipeline.tokens import WORD

DEFAULT_NEAR = 10
MAX_NEAR = 100  # fields are further apart than this (tokens.FIELD_GAP)
_TOKEN = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<quote>"[^"]*"?)|(?P<near>NEAR(?:/(?P<n>\d+))?(?![\w/-]))'
    r"|(?P<minus>-)(?=[\w\"(@])|(?P<word>[^\s()\"]+))"
)
_ENTITY_ID = re.compile(r"^@[a-z0-9][a-z0-9:_-]*$")


@dataclass(frozen=True)
class Word:
    """A word: Dutch-aware (inflections and compounds) unless ``prefix`` (word*) or ``exact``."""

    text: str  # folded
    prefix: bool = False
    exact: bool = False  # inside quotes: inflections still match, compounds do not


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]


@dataclass(frozen=True)
class EntityRef:
    entity: str  # gazetteer id


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int


Node = Word | Phrase | EntityRef | Not | And | Or | Near


def parse_query(text: str) -> Node:
    """The tree of a query.

    Raises:
        QuerySyntaxError: with the column (1-based) where the query stops making sense.
    """
    return _Parser(text).parse()


def parse_term(text: str) -> Node:
    """A literal watch term: one word (Dutch-aware, or a prefix with a final *) or several words as a phrase."""
    return _word_or_phrase(text.strip(), 1)


def _word_or_phrase(raw: str, column: int) -> Word | Phrase:
    """One written word, or several run together ("AI-verordening" is two tokens in a text: a phrase);
    a final * makes the last word a prefix."""
    prefix = raw.endswith("*")
    parts = WORD.findall(fold(raw))
    if not parts:
        raise QuerySyntaxError(f"{raw!r} has no letters or digits", column)
    if prefix and len(parts[-1]) < 2:
        raise QuerySyntaxError(f"{raw!r}: a prefix needs at least two letters before the *", column)
    if len(parts) == 1:
        return Word(parts[0], prefix=prefix)
    words = [Word(p, exact=True) for p in parts]
    if prefix:
        words[-1] = Word(parts[-1], prefix=True)
    return Phrase(tuple(words))


def leaves(node: Node) -> list[Word | Phrase | EntityRef]:
    """Every word, phrase and entity reference in a tree, depth first."""
    if isinstance(node, (Word, Phrase, EntityRef)):
        return [node]
    if isinstance(node, Not):
        return leaves(node.operand)
    if isinstance(node, Near):
        return leaves(node.left) + leaves(node.right)
    return [leaf for operand in node.operands for leaf in leaves(operand)]


def only_negative(node: Node) -> bool:
    """True when a query can only ever match by the absence of something (it would match every document)."""
    if isinstance(node, Not):
        return True
    if isinstance(node, And):
        return all(only_negative(o) for o in node.operands)
    if isinstance(node, Or):
        return any(only_negative(o) for o in node.operands)
    return False


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []  # kind, value, column
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise QuerySyntaxError(f"unexpected {text[pos]!r}", pos + 1)
            kind = m.lastgroup if m.lastgroup != "n" else "near"
            value = m.group(kind) if kind != "near" else (m.group("n") or "")
            column = m.start(kind) + 1
            self.tokens.append((kind, value, column))
            pos = m.end()
        self.i = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("the query is empty", 1)
        node = self.query()
        if self.i < len(self.tokens):
            kind, value, column = self.tokens[self.i]
            raise QuerySyntaxError(f"unexpected {value or kind!r}", column)
        if only_negative(node):
            raise QuerySyntaxError("the query only excludes words; add a word it must find", 1)
        return node

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def at_word(self, value: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1] == value

    def query(self) -> Node:
        operands = [self.all()]
        while self.at_word("OR"):
            self.i += 1
            operands.append(self.all())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def all(self) -> Node:
        operands = [self.near()]
        while True:
            token = self.peek()
            if token is None or token[0] == "close" or self.at_word("OR"):
                break
            if self.at_word("AND"):
                self.i += 1
            operands.append(self.near())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def near(self) -> Node:
        node = self.unary()
        while (token := self.peek()) is not None and token[0] == "near":
            self.i += 1
            distance = int(token[1]) if token[1] else DEFAULT_NEAR
            if not 1 <= distance <= MAX_NEAR:
                raise QuerySyntaxError(f"NEAR/{token[1]}: the distance must be 1 to {MAX_NEAR} words", token[2])
            right = self.unary()
            if only_negative(node) or only_negative(right):
                # Absence has no position: "a NEAR/5 -b" could never match.
                raise QuerySyntaxError("NEAR needs words on both sides, not an exclusion", token[2])
            node = Near(node, right, distance)
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            column = len(self.text) + 1
            raise QuerySyntaxError("the query ends where a word, phrase or ( was expected", column)
        kind, value, column = token
        self.i += 1
        if kind == "minus" or (kind == "word" and value == "NOT"):
            return Not(self.unary())
        if kind == "open":
            node = self.query()
            closing = self.peek()
            if closing is None or closing[0] != "close":
                raise QuerySyntaxError("a ( is never closed", column)
            self.i += 1
            return node
        if kind == "quote":
            if len(value) < 2 or not value.endswith('"'):
                raise QuerySyntaxError("a quote is never closed", column)
            return self.phrase(value[1:-1], column)
        if kind == "word":
            if value in ("AND", "OR"):
                raise QuerySyntaxError(f"{value} needs a word on both sides", column)
            return self.word(value, column)
        if kind == "near":
            raise QuerySyntaxError("NEAR needs a word on both sides", column)
        raise QuerySyntaxError(f"unexpected {value!r}", column)

    def word(self, value: str, column: int) -> Node:
        if value.startswith("@"):
            if not _ENTITY_ID.match(value):
                raise QuerySyntaxError(f"{value!r} is not an entity id (@ followed by a gazetteer id)", column)
            return EntityRef(value[1:])
        return _word_or_phrase(value, column)

    def phrase(self, inner: str, column: int) -> Node:
        words: list[Word] = []
        for raw in inner.split():
            prefix = raw.endswith("*")
            parts = WORD.findall(fold(raw))
            for k, part in enumerate(parts):
                last = k == len(parts) - 1
                words.append(Word(part, prefix=True) if prefix and last else Word(part, exact=True))
        if not words:
            raise QuerySyntaxError("an empty phrase", column)
        if len(words) == 1:
            return words[0]
        return Phrase(tuple(words))
