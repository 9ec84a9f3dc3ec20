#!/usr/bin/env python3
"""A reward program for rltrain: the countdown check, in Python.

    rltrain --reward-cmd countdown_py='python3 examples/reward_countdown.py' \
            --reward countdown_py:1

It gives the scores of rltrain's built-in countdown reward (rewards/countdown.go):
the last <answer>...</answer> must hold an expression over the given numbers with
+ - * / and parentheses that equals the target exactly. Each given number is used
exactly once; only binary operators; division by zero, other characters or a
value off the target make the answer wrong (0); no answer tag pair scores 0; a
correct expression 1. Examples whose numbers or target cannot be read get no
score (null). Standard library only: ast for the syntax, Fraction for exact values.

Protocol (see the rewards package doc): one JSON request per line on stdin, one
JSON answer per line on stdout, in order: {"id": ..., "score": ..., "message": ...}.
"""

import ast
import json
import os
import re
import sys
from fractions import Fraction

MAX_LEN = 256         # CountdownConfig.MaxLen, in bytes
MAX_DEPTH = 64        # maxCountdownDepth: parenthesis nesting
INT64_MAX = 2**63 - 1
ALLOWED = set("0123456789+-*/() \t\n")
INTEGER = re.compile(r"[+-]?[0-9]+\Z")


class Wrong(Exception):
    """The answer is present but not acceptable."""


class Unusable(Exception):
    """The example's numbers or target cannot be read."""


def to_int(v):
    """data.MetaInt's rules for one value after a JSON round trip."""
    if isinstance(v, bool):
        raise Unusable("want an integer, have a boolean")
    if isinstance(v, int):
        if abs(v) > INT64_MAX:
            raise Unusable("integer out of range")
        return v
    if isinstance(v, float):
        if v != int(v) or abs(v) > 2**53:
            raise Unusable("want an integer, have %r" % v)
        return int(v)
    if isinstance(v, str) and INTEGER.match(v):
        n = int(v)
        if -INT64_MAX - 1 <= n <= INT64_MAX:
            return n
    raise Unusable("want an integer, have %r" % (v,))


def gold(req):
    """The numbers (meta "numbers", else "nums") and the target (meta
    "target", else the answer)."""
    meta = req.get("meta") or {}
    nums = meta["numbers"] if "numbers" in meta else meta.get("nums")
    if not isinstance(nums, list):
        raise Unusable("numbers: want a list of integers")
    nums = [to_int(x) for x in nums]
    if "target" in meta:
        target = to_int(meta["target"])
    else:
        answer = (req.get("answer") or "").strip()
        if not INTEGER.match(answer):
            raise Unusable("target: %r is not an integer" % answer)
        target = to_int(answer)
    return nums, target


def last_tag(text, tag="answer"):
    """The text between the last <tag> and the first </tag> after it."""
    i = text.rfind("<%s>" % tag)
    if i < 0:
        return None
    rest = text[i + len(tag) + 2:]
    j = rest.find("</%s>" % tag)
    return None if j < 0 else rest[:j]


def evaluate(node, used):
    if isinstance(node, ast.Constant) and type(node.value) is int:
        used.append(node.value)
        return Fraction(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div):
        a = evaluate(node.left, used)
        b = evaluate(node.right, used)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if b == 0:
            raise Wrong("division by zero")
        return a / b
    raise Wrong("not a sum, difference, product or quotient of numbers")


def check(expr, nums, target):
    if len(expr.encode()) > MAX_LEN:
        raise Wrong("expression longer than %d bytes" % MAX_LEN)
    if not set(expr) <= ALLOWED:
        raise Wrong("illegal character")
    depth = deepest = 0
    for c in expr:
        depth += (c == "(") - (c == ")")
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise Wrong("parentheses nested too deep")
    for run in re.findall(r"[0-9]+", expr):
        if int(run) > INT64_MAX:
            raise Wrong("number %s too large" % run)
    # Go reads "007" as 7; Python's grammar refuses leading zeros; tabs and
    # newlines are plain spaces to the Go parser.
    src = re.sub(r"[0-9]+", lambda m: str(int(m.group())), expr)
    src = src.replace("\t", " ").replace("\n", " ").strip()
    try:
        tree = ast.parse(src, mode="eval")
    except (SyntaxError, ValueError):
        raise Wrong("not an expression")
    used = []
    value = evaluate(tree.body, used)
    have = list(nums)
    for u in used:
        if u not in have:
            raise Wrong("number %d not available" % u)
        have.remove(u)
    if have:
        raise Wrong("unused numbers %s" % have)
    if value != target:
        raise Wrong("value %s, want %d" % (value, target))


def score(req):
    try:
        nums, target = gold(req)
    except Unusable as e:
        return None, "gold unusable: %s" % e
    expr = last_tag(req.get("completion") or "")
    if expr is None:
        return 0.0, "no answer"
    try:
        check(expr, nums, target)
    except Wrong as e:
        return 0.0, str(e)
    except RecursionError:
        return 0.0, "too deep"
    return 1.0, "correct"


def requests():
    """Yields the complete request lines that have arrived, a read at a time,
    so that the answers to a whole batch go out in one write (print(...,
    flush=True) per line also works, a little slower)."""
    pending = b""
    while True:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            return
        *lines, pending = (pending + chunk).split(b"\n")
        yield lines


def main():
    for lines in requests():
        out = []
        for line in lines:
            req = json.loads(line)
            s, why = score(req)
            out.append(json.dumps({"id": req["id"], "score": s, "message": why}) + "\n")
        sys.stdout.write("".join(out))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
