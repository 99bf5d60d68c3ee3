from knowledge.highlight import highlight


def test_marks_word_forms():
    html = highlight("Принтер не печатает документы", "принтеры печатать")

    assert html == "<mark>Принтер</mark> не <mark>печатает</mark> документы"


def test_escapes_text_and_matches():
    html = highlight("<b>VPN</b> & Outlook", "vpn")

    assert html == "&lt;b&gt;<mark>VPN</mark>&lt;/b&gt; &amp; Outlook"


def test_marks_prefix_of_half_typed_word():
    html = highlight("Printer jams", "print")

    assert html == "<mark>Printer</mark> jams"


def test_marks_typo():
    html = highlight("Outlook asks for a password", "outlok")

    assert html == "<mark>Outlook</mark> asks for a password"


def test_stop_words_not_marked():
    html = highlight("Не могу войти", "не могу")

    assert html == "Не могу войти"
