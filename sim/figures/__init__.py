"""Figures: the house style, one function per figure kind (kinds), and figures files (build)."""

from .build import build, figure_bytes, load_figures

__all__ = ["build", "figure_bytes", "load_figures"]
