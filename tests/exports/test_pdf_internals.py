"""The library internals the PDF fast paths use are those of the version they were checked against."""

from __future__ import annotations

from importlib.metadata import version

from fpdf import FPDF

from exports import pdf


def test_fpdf2_is_the_version_whose_internals_the_pdfs_use():
    installed = version("fpdf2")
    assert installed == pdf.FPDF2_VERSION, (
        f"fpdf2 {installed} is installed, but exports/pdf/__init__.py was checked against {pdf.FPDF2_VERSION}: read "
        "FPDF._out and FPDF._record_text_quad_points in the new version, then update FPDF2_VERSION and the pin"
    )
    assert callable(FPDF._out) and hasattr(FPDF(), "_record_text_quad_points")
