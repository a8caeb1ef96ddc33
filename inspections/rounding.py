"""How every figure people read is rounded: once, half-up (DOMAIN.md "Monthly scoring").

Pure and on its own so that the scoring rule and the unit figures share the one rounding without
either importing the other.
"""

import math
from decimal import Decimal
from fractions import Fraction


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """The one rounding of the rule: half away from zero, to `places` decimals, exactly."""
    exact = Fraction(value)
    scale = 10 ** places
    units = math.floor(abs(exact) * scale + Fraction(1, 2))
    return (Decimal(-units if exact < 0 else units) / scale).quantize(Decimal(1).scaleb(-places))
