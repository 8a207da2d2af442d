"""Records rendered from templates are what lxml would write: escaped, parseable, control characters refused."""

import pytest
from lxml import etree

from exports.xml import PLAIN, Template


def test_a_template_escapes_texts_and_attributes_as_xml_needs():
    record = PLAIN.record(PLAIN.title(), PLAIN.note(), id="")
    template = Template(record, 1, ("title", "note"), ((record, "id"),))
    rendered = template.render('Đất & "nhà" <Đống Đa>\r\nhết', None, 'a"b\n{0}')
    parsed = etree.fromstring(rendered)
    assert parsed.findtext("title") == 'Đất & "nhà" <Đống Đa>\r\nhết'  # \r kept as &#13;
    assert parsed.findtext("note") == "" and parsed.get("id") == 'a"b\n{0}'
    assert rendered.startswith(b"\n  <record") and "Đống Đa".encode() in rendered  # UTF-8, not character references
    assert (
        template.render("plain", "", "x")
        == b'\n  <record id="x">\n    <title>plain</title>\n    <note></note>\n  </record>'
    )


def test_a_value_xml_cannot_carry_is_refused():
    template = Template(PLAIN.record(PLAIN.title()), 1, ("title",))
    with pytest.raises(ValueError, match="XML compatible"):
        template.render("bell \x07")


def test_every_character_of_the_basic_plane_comes_back_as_written_or_is_refused():
    record = PLAIN.record(PLAIN.title(), id="")
    template = Template(record, 1, ("title",), ((record, "id"),))
    for code in range(0x10000):
        text = f"a{chr(code)}b"
        try:
            rendered = template.render(text, text)
        except ValueError:
            with pytest.raises(ValueError):  # lxml refuses it too
                PLAIN.title(text)
            continue
        parsed = etree.fromstring(rendered)
        assert (parsed.findtext("title"), parsed.get("id")) == (text, text), hex(code)
