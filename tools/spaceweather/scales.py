"""NOAA space-weather scales: G (geomagnetic storms), S (solar radiation), R (radio blackouts).

Scales (NOAA, https://www.swpc.noaa.gov/noaa-scales-explanation): G1..G5 at Kp 5..9;
S1..S5 at >=10 MeV proton flux 10, 1e2, 1e3, 1e4, 1e5 pfu; R1..R5 at 0.1-0.8 nm X-ray flux
M1, M5, X1, X10, X20 (1e-5, 5e-5, 1e-4, 1e-3, 2e-3 W/m^2).

>>> g_level(kp=5.0), s_level(flux_pfu=99.9), r_level(flux_w_m2=1e-4)
(1, 1, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

__all__ = [
    "G_KP_THRESHOLDS",
    "R_XRAY_THRESHOLDS_W_M2",
    "S_PROTON_THRESHOLDS_PFU",
    "ScaleLetter",
    "g_level",
    "r_level",
    "s_level",
]

ScaleLetter = Literal["G", "S", "R"]
"""G: geomagnetic storms (Kp); S: solar radiation storms (protons); R: radio blackouts (X-rays)."""

G_KP_THRESHOLDS: tuple[float, ...] = (5.0, 6.0, 7.0, 8.0, 9.0)
S_PROTON_THRESHOLDS_PFU: tuple[float, ...] = (1e1, 1e2, 1e3, 1e4, 1e5)
R_XRAY_THRESHOLDS_W_M2: tuple[float, ...] = (1e-5, 5e-5, 1e-4, 1e-3, 2e-3)


def _level(value: float, thresholds: Sequence[float]) -> int:
    return sum(1 for limit in thresholds if value >= limit * (1 - 1e-9))


def g_level(kp: float) -> int:
    """NOAA G level (0-5) for a Kp value: G1 at Kp 5 ... G5 at Kp 9.

    Kp 5- (4.67) counts as below G1 here; SWPC labels that round thirds may say G1.

    >>> g_level(kp=4.67), g_level(kp=5.0), g_level(kp=9.0)
    (0, 1, 5)
    """
    return _level(kp, G_KP_THRESHOLDS)


def s_level(flux_pfu: float) -> int:
    """NOAA S level (0-5) for >=10 MeV integral proton flux in pfu.

    >>> s_level(flux_pfu=1000.0)
    3
    """
    return _level(flux_pfu, S_PROTON_THRESHOLDS_PFU)


def r_level(flux_w_m2: float) -> int:
    """NOAA R level (0-5) for 0.1-0.8 nm X-ray flux in W/m^2 (M1 = 1e-5 is R1).

    >>> r_level(flux_w_m2=5e-5)
    2
    """
    return _level(flux_w_m2, R_XRAY_THRESHOLDS_W_M2)
