"""The standard of a scan checked at upload (filing.scans): NĐ 30/2020 Phụ lục I Phần II mục I."""

import io
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from filing import scans
from filing.scans import ScanReport, inspect

A4_MM = 210  # fpdf2 places an image 210 mm wide: dpi = pixels / 8.27 in


def pillow_pdf(*images: Image.Image, resolution: float) -> bytes:
    """Save images as a PDF with Pillow (version 1.4; each page the image's size at ``resolution``)."""
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=resolution, save_all=True, append_images=list(images[1:]))
    return buffer.getvalue()


def a4(dpi: int, mode: str = "RGB") -> Image.Image:
    """A blank A4 page scanned at ``dpi``."""
    return Image.new(mode, (round(8.2677 * dpi), round(11.6929 * dpi)), "white")


def fpdf_pdf(*pages: list[tuple[Image.Image, float, float]], version: str = "1.4") -> bytes:
    """Place images on A4 pages with fpdf2: each page a list of (image, x mm, width mm)."""
    pdf = FPDF()
    for placements in pages:
        pdf.add_page()
        for image, x, width in placements:
            pdf.image(image, x=x, y=0, w=width)
    pdf.pdf_version = version  # fpdf2 writes 1.3 unless a feature needs later
    return bytes(pdf.output())


def hand_made_pdf(*objects: bytes, header: bytes = b"%PDF-1.4") -> bytes:
    """Write objects 1… as a PDF with a correct cross-reference table; object 1 is the catalog."""
    out = bytearray(header + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def one_page(content: bytes, resources: bytes, *more: bytes) -> bytes:
    """A one-page A4 PDF (objects 1–4) drawing ``content``; ``more`` are objects 5…."""
    return hand_made_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + resources + b" /Contents 4 0 R >>",
        stream(b"", content),
        *more,
    )


def image_object(width: int, height: int, colour_space: bytes, bits: int = 8) -> bytes:
    components = 3 if b"RGB" in colour_space else 1
    data = zlib.compress(b"\xff" * (width * height * components * bits // 8))
    return stream(
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace " % (width, height)
        + colour_space
        + b" /BitsPerComponent %d /Filter /FlateDecode" % bits,
        data,
    )


def texts(report: ScanReport) -> list[str]:
    return [problem.template % problem.params if problem.params else problem.template for problem in report.problems]


def test_a_colour_a4_scan_at_300_dpi_meets_the_standard():
    report = inspect(pillow_pdf(a4(300), resolution=300))

    assert report.problems == ()
    assert report.pdf_version == "1.4"
    assert report.pages == 1
    assert report.lowest_dpi == pytest.approx(300, abs=0.5)
    assert report.colour_modes == {"colour"}


def test_a_path_is_read_as_well_as_bytes(tmp_path: Path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(pillow_pdf(a4(200), resolution=200))

    report = inspect(path)

    assert report.problems == ()
    assert report.lowest_dpi == pytest.approx(200, abs=0.5)


def test_a_scan_under_200_dpi_is_refused_naming_the_page_and_its_resolution():
    report = inspect(pillow_pdf(a4(150), resolution=150))

    assert texts(report) == ["Page 1 is scanned at 150 dpi: a scan needs at least 200 dpi."]
    assert report.problems[0].field == "file"
    assert report.problems[0].params == {"page": 1, "dpi": 150}
    assert report.lowest_dpi == pytest.approx(150, abs=0.5)


def test_the_resolution_is_the_displayed_size_not_the_page_size():
    # fpdf2 places a 1240 px wide image 105 mm wide on an A4 page: 300 dpi, though it is 150 px per page inch.
    half = Image.new("RGB", (1240, 1754), "white")
    report = inspect(fpdf_pdf([(half, 0, 105)]))

    assert report.problems == ()
    assert report.lowest_dpi == pytest.approx(300, abs=1)


def test_the_lower_of_the_horizontal_and_vertical_resolutions_counts():
    # 2000 px across 8.27 in (242 dpi) but stretched down the page from 1000 px (about 100 dpi).
    stretched = Image.new("RGB", (2000, 1000), "white")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(stretched, x=0, y=0, w=210, h=254)  # 10 in high
    pdf.pdf_version = "1.4"

    report = inspect(bytes(pdf.output()))

    assert texts(report) == ["Page 1 is scanned at 100 dpi: a scan needs at least 200 dpi."]


def test_a_scan_of_exactly_a4_pixels_at_200_dpi_passes():
    # 1653 px on 210 mm is 199.9 dpi: a 200 dpi scanner's page, not a refusal.
    report = inspect(fpdf_pdf([(Image.new("RGB", (1653, 2338), "white"), 0, A4_MM)]))

    assert report.problems == ()


def test_a_greyscale_scan_is_refused():
    report = inspect(pillow_pdf(a4(300, "L"), resolution=300))

    assert texts(report) == ["Page 1 is in greyscale: a scan is kept in colour."]
    assert report.problems[0].params == {"page": 1, "mode": "greyscale"}
    assert report.colour_modes == {"greyscale"}


def test_a_black_and_white_scan_is_refused():
    report = inspect(pillow_pdf(a4(300, "1"), resolution=300))  # Pillow writes CCITT G4, 1 bit

    assert texts(report) == ["Page 1 is in black and white: a scan is kept in colour."]
    assert report.problems[0].params == {"page": 1, "mode": "black and white"}
    assert report.colour_modes == {"black and white"}


@pytest.mark.parametrize("mode", ["CMYK", "RGBA"])  # DeviceCMYK; JPEG 2000 without /ColorSpace
def test_cmyk_and_jpeg_2000_colour_scans_are_colour(mode):
    report = inspect(pillow_pdf(Image.new(mode, (620, 877)), resolution=75))

    assert texts(report) == ["Page 1 is scanned at 75 dpi: a scan needs at least 200 dpi."]
    assert report.colour_modes == {"colour"}


def test_a_palette_of_greys_is_greyscale_and_of_colours_colour():
    greys = Image.new("L", (827, 1170), "white").convert("P")
    greys.putpalette([value for level in range(256) for value in (level, level, level)])
    colours = Image.new("RGB", (827, 1170), "red").convert("P")

    assert inspect(pillow_pdf(greys, resolution=100)).colour_modes == {"greyscale"}
    assert inspect(pillow_pdf(colours, resolution=100)).colour_modes == {"colour"}


def test_in_a_two_page_scan_only_the_low_page_is_named():
    report = inspect(fpdf_pdf([(a4(300), 0, A4_MM)], [(a4(100), 0, A4_MM)]))

    assert texts(report) == ["Page 2 is scanned at 100 dpi: a scan needs at least 200 dpi."]
    assert report.pages == 2
    assert report.lowest_dpi == pytest.approx(100, abs=0.5)


def test_a_page_with_several_faults_lists_each():
    report = inspect(fpdf_pdf([(a4(300), 0, A4_MM)], [(a4(100, "L"), 0, A4_MM)]))

    assert texts(report) == [
        "Page 2 is scanned at 100 dpi: a scan needs at least 200 dpi.",
        "Page 2 is in greyscale: a scan is kept in colour.",
    ]
    assert report.colour_modes == {"colour", "greyscale"}


def test_a_small_picture_on_a_scanned_page_does_not_decide():
    logo = Image.new("L", (40, 40), "black")  # 40 px over 20 mm: 51 dpi, greyscale
    report = inspect(fpdf_pdf([(a4(300), 0, A4_MM), (logo, 10, 20)]))

    assert report.problems == ()
    assert report.lowest_dpi == pytest.approx(300, abs=0.5)


def test_mixed_raster_content_counts_its_sharpest_layer_and_its_colour():
    # A colour background at 100 dpi under a black-and-white text layer at 300 dpi, both over the whole page.
    background = Image.new("RGB", (827, 1169), "beige")
    text_layer = Image.new("1", (2480, 3508), 1)
    report = inspect(fpdf_pdf([(background, 0, A4_MM), (text_layer, 0, A4_MM)]))

    assert report.problems == ()
    assert report.lowest_dpi == pytest.approx(300, abs=0.5)
    assert report.colour_modes == {"colour"}


def test_a_text_only_pdf_holds_no_scanned_image():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Not a scan")
    pdf.pdf_version = "1.4"

    report = inspect(bytes(pdf.output()))

    assert texts(report) == ["Page 1 holds no scanned image."]
    assert report.lowest_dpi is None
    assert report.colour_modes == frozenset()


def test_a_page_without_contents_holds_no_scanned_image():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.pdf_header = "%PDF-1.4"
    buffer = io.BytesIO()
    writer.write(buffer)

    assert texts(inspect(buffer.getvalue())) == ["Page 1 holds no scanned image."]


def test_a_pdf_before_version_1_4_is_refused():
    report = inspect(fpdf_pdf([(a4(300), 0, A4_MM)], version="1.3"))

    assert texts(report) == ["The PDF is version 1.3: a scan must be version 1.4 or later."]
    assert report.pdf_version == "1.3"


def test_a_later_version_in_the_catalog_overrides_the_header():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pillow_pdf(a4(300), resolution=300))))
    writer.pdf_header = "%PDF-1.3"
    writer._root_object[NameObject("/Version")] = NameObject("/1.6")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert buffer.getvalue().startswith(b"%PDF-1.3")

    report = inspect(buffer.getvalue())

    assert report.pdf_version == "1.6"
    assert report.problems == ()


def test_a_png_is_not_a_pdf():
    buffer = io.BytesIO()
    a4(300).save(buffer, "PNG")

    report = inspect(buffer.getvalue())

    assert texts(report) == ["A scan is kept as a PDF (.pdf), version 1.4 or later."]
    assert report.pdf_version == ""
    assert report.pages == 0


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\nnot really a pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40, b"%PDF-"],
    ids=["garbage", "binary", "header only"],
)
def test_garbage_after_a_pdf_header_cannot_be_read(data):
    report = inspect(data)

    assert texts(report) == ["The file cannot be read as a PDF."]
    assert report.pages == 0


def test_a_truncated_pdf_never_raises():
    data = pillow_pdf(Image.new("RGB", (200, 280), "white"), Image.new("L", (200, 280)), resolution=100)

    assert texts(inspect(data[:200])) == ["The file cannot be read as a PDF."]
    for end in range(0, len(data), 97):
        report = inspect(data[:end])
        assert isinstance(report, ScanReport)
        assert report.problems  # whatever could be read of it, it is not a good scan


def test_a_corrupted_pdf_never_raises():
    data = bytearray(pillow_pdf(Image.new("RGB", (200, 280), "white"), resolution=100))
    for offset in range(10, len(data), 31):
        damaged = bytearray(data)
        damaged[offset : offset + 4] = b"\x00(<["
        assert isinstance(inspect(bytes(damaged)), ScanReport)


def test_an_image_inside_a_form_xobject_is_measured_through_both_matrices():
    # The page scales the form by 2; the form draws a 1240 px image 297.6 pt wide: 595 pt, 150 dpi.
    data = one_page(
        b"q 2 0 0 2 0 0 cm /Fm1 Do Q",
        b"<< /XObject << /Fm1 5 0 R >> >>",
        stream(
            b"/Type /XObject /Subtype /Form /BBox [0 0 298 421] /Resources << /XObject << /Im1 6 0 R >> >>",
            b"q 297.6 0 0 421 0 0 cm /Im1 Do Q",
        ),
        image_object(1240, 1754, b"/DeviceRGB"),
    )

    assert texts(inspect(data)) == ["Page 1 is scanned at 150 dpi: a scan needs at least 200 dpi."]


def test_an_inline_image_is_measured_and_its_mode_told():
    data = one_page(b"q 72 0 0 72 0 0 cm BI /W 4 /H 4 /CS /G /BPC 8 ID " + b"\xff" * 16 + b" EI Q", b"<< >>")

    assert texts(inspect(data)) == [
        "Page 1 is scanned at 4 dpi: a scan needs at least 200 dpi.",
        "Page 1 is in greyscale: a scan is kept in colour.",
    ]


def test_icc_based_spaces_are_told_by_their_components():
    profile = stream(b"/N 1", b"")
    data = one_page(
        b"q 595 0 0 842 0 0 cm /Im1 Do Q",
        b"<< /XObject << /Im1 5 0 R >> >>",
        image_object(2480, 3508, b"[/ICCBased 6 0 R]"),
        profile,
    )

    assert texts(inspect(data)) == ["Page 1 is in greyscale: a scan is kept in colour."]


def test_a_form_that_draws_itself_is_not_followed_for_ever():
    data = one_page(
        b"/Fm1 Do",
        b"<< /XObject << /Fm1 5 0 R >> >>",
        stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /Fm1 5 0 R >> >>", b"/Fm1 Do"),
    )

    assert texts(inspect(data)) == ["Page 1 holds no scanned image."]


def test_an_unparsable_content_stream_falls_back_to_the_media_box(monkeypatch):
    monkeypatch.setattr(scans, "MAX_CONTENT_BYTES", 10)

    report = inspect(fpdf_pdf([(a4(150), 0, 105)]))  # drawn half-width, but taken to fill the page

    assert texts(report) == ["Page 1 is scanned at 150 dpi: a scan needs at least 200 dpi."]


def test_the_pages_at_fault_are_listed_up_to_ten_then_counted():
    page = Image.new("RGB", (100, 140), "white")
    report = inspect(pillow_pdf(*[page] * 13, resolution=100))

    assert texts(report) == [
        f"Page {number} is scanned at 100 dpi: a scan needs at least 200 dpi." for number in range(1, 11)
    ] + ["13 pages are at fault in all; only the first 10 are listed."]
    assert report.pages == 13


def test_only_the_first_pages_are_inspected(monkeypatch):
    monkeypatch.setattr(scans, "MAX_PAGES", 3)
    report = inspect(pillow_pdf(a4(300), a4(300), a4(300), a4(300, "L"), resolution=300))

    assert report.pages == 4
    assert texts(report) == ["The PDF has 4 pages: only the first 3 were checked."]


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pillow_pdf(a4(300), resolution=300))))
    writer.pdf_header = "%PDF-1.4"
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_locked_by_a_password_cannot_be_checked():
    report = inspect(encrypted_pdf("secret"))

    assert texts(report) == ["The PDF is protected by a password, so it cannot be checked."]


def test_a_pdf_with_only_an_owner_password_is_checked():
    report = inspect(encrypted_pdf(""))

    assert report.problems == ()
    assert report.lowest_dpi == pytest.approx(300, abs=0.5)


def test_a_pdf_without_pages_is_refused():
    writer = PdfWriter()
    writer.pdf_header = "%PDF-1.4"
    buffer = io.BytesIO()
    writer.write(buffer)

    assert texts(inspect(buffer.getvalue())) == ["The PDF has no pages."]


def test_a_broken_page_is_named_and_the_others_still_checked():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pillow_pdf(a4(300), a4(300), resolution=300))))
    writer.pdf_header = "%PDF-1.4"
    writer.pages[0][NameObject("/UserUnit")] = NameObject("/Broken")
    buffer = io.BytesIO()
    writer.write(buffer)

    assert texts(inspect(buffer.getvalue())) == ["Page 1 cannot be read."]


def test_forms_drawing_forms_many_times_spend_the_budget_and_stop(monkeypatch):
    monkeypatch.setattr(scans, "MAX_DOCUMENT_STEPS", 10_000)
    # Form k draws form k+1 fifty times, five deep: 50**5 drawings if nothing stopped it.
    forms = [
        stream(
            b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /Fm %d 0 R >> >>" % (6 + k),
            b"/Fm Do " * 50,
        )
        for k in range(5)
    ]  # objects 5-9; the last draws the image, object 10
    data = one_page(b"/Fm Do", b"<< /XObject << /Fm 5 0 R >> >>", *forms, image_object(4, 4, b"/DeviceRGB"))

    assert texts(inspect(data)) == ["Page 1 holds no scanned image."]  # measured by its own resources: none
