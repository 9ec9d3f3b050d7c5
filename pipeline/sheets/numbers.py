"""Numbers that are really text: a phone number, postal code or staff id a workbook stored as a
number, shown as the person saw it, through the cell's number format."""

from __future__ import annotations

import re

# Sections of a format such as `[<=9999999]###-####;(###) ###-####` (Excel's phone format).
CONDITION = re.compile(r"^\[(<=|>=|<>|<|>|=)(-?\d+(?:\.\d+)?)\]")
# Parts of a format that only colour or localise what is shown: [Red], [$-409].
DECORATION = re.compile(r"\[(?:\$[^\]]*|[A-Za-z]+\d*)\]")
TOKEN = re.compile(r'"[^"]*"|\\.|[0#?]|.', re.DOTALL)
# Characters a digit pattern may show as they are; any other (a decimal point, a thousands
# comma, %, a date code, @ for text) makes a format this module does not draw.
LITERALS = set(" ()-/+:")
PLAIN_FORMATS = {"general", "0", "@", ""}


def sections(number_format: str) -> list[str]:
    """The format's `;`-separated sections (not those inside quotes)."""
    parts, current, quoted = [], "", False
    for char in number_format:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def section_for(value: int, number_format: str) -> str | None:
    """The section that draws `value`: the first whose condition holds, or Excel's default
    order (positive; negative; zero)."""
    found = sections(number_format)
    conditional = [CONDITION.match(part) for part in found]
    if any(conditional):
        for part, condition in zip(found, conditional, strict=True):
            if condition is None:
                return part
            operator, bound = condition.group(1), float(condition.group(2))
            if {
                "<=": value <= bound,
                ">=": value >= bound,
                "<": value < bound,
                ">": value > bound,
                "=": value == bound,
                "<>": value != bound,
            }[operator]:
                return part[condition.end() :]
        return None
    if value < 0:
        return None  # a phone number or an id is never negative
    if value == 0 and len(found) > 2:
        return found[2]
    return found[0]


def formatted_integer(value: int, number_format: str | None) -> str | None:
    """`2134` with `00000` -> `02134`; `5550104190` with `(###) ###-####` -> `(555) 010-4190`.

    None when the format is General or draws more than digits and literal characters (then
    the plain number is all that can be known)."""
    if not number_format or number_format.strip().lower() in PLAIN_FORMATS:
        return None
    section = section_for(value, number_format)
    if section is None:
        return None
    tokens = TOKEN.findall(DECORATION.sub("", section))
    if not any(token in "0#?" for token in tokens if len(token) == 1):
        return None
    if any(len(token) == 1 and token not in "0#?" and token not in LITERALS for token in tokens):
        return None
    digits = list(str(value))
    placeholders = [index for index, token in enumerate(tokens) if token in ("0", "#", "?")]
    drawn: dict[int, str] = {}
    for index in reversed(placeholders):
        if digits:
            drawn[index] = digits.pop()
        else:
            drawn[index] = {"0": "0", "#": "", "?": " "}[tokens[index]]
    if digits:  # more digits than placeholders: the first placeholder shows them all
        first = placeholders[0]
        drawn[first] = "".join(digits) + drawn[first]
    text = ""
    for index, token in enumerate(tokens):
        if index in drawn:
            text += drawn[index]
        elif token.startswith('"'):
            text += token[1:-1]
        elif token.startswith("\\"):
            text += token[1:]
        else:
            text += token
    return text.strip()


# Countries whose phone numbers start with a 0 that a workbook drops when the number is typed
# into a cell formatted General (01632 960200 becomes 1632960200): a UK, Irish, Australian or
# New Zealand number of 9 or 10 digits without it has surely lost it.
LEADING_ZERO_COUNTRIES = {"GB", "UK", "IE", "AU", "NZ"}
LOST_ZERO_DIGITS = (9, 10)
# How a ten-digit North American number is written when the agency's other numbers do not say.
NORTH_AMERICAN_SHAPE = "(###) ###-####"


def phone_shape(text: str) -> str:
    """`(555) 010-4190` -> `(###) ###-####`: where its digits stand among the other characters."""
    return re.sub(r"\d", "#", text)


def drawn_in_shape(digits: str, shape: str) -> str:
    """Digits written into a shape of as many `#`."""
    remaining = iter(digits)
    return "".join(next(remaining) if char == "#" else char for char in shape)


def phone_as_typed(digits: str, country: str | None, shapes: dict[int, str]) -> tuple[str, bool]:
    """A phone number stored as bare digits, as the person typed it where that can be known;
    True when a leading zero was surely lost (and has been put back).

    `shapes` gives, by count of digits, how the agency's other numbers are written."""
    lost_zero = (
        country in LEADING_ZERO_COUNTRIES
        and len(digits) in LOST_ZERO_DIGITS
        and not digits.startswith("0")
    )
    if lost_zero:
        digits = f"0{digits}"
    shape = shapes.get(len(digits))
    if shape is None and country in ("US", "CA") and len(digits) == 10:
        shape = NORTH_AMERICAN_SHAPE
    return (drawn_in_shape(digits, shape) if shape else digits), lost_zero
