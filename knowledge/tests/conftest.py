import pytest

from knowledge.tests.factories import ArticleFactory, CategoryFactory


@pytest.fixture
def knowledge_base(db):
    """Create a small bilingual knowledge base and return its articles by name."""
    access = CategoryFactory(
        slug="access_passwords", name_en="Access", name_ru="Доступ"
    )
    network = CategoryFactory(slug="network", name_en="Network", name_ru="Сеть")
    printers = CategoryFactory(slug="printers", name_en="Printers", name_ru="Принтеры")
    return {
        "mail_ru": ArticleFactory(
            category=access,
            language="ru",
            title="Не могу войти в корпоративную почту",
            problem="Outlook или веб-почта не принимает пароль, почта не открывается.",
            solution="1. Откройте веб-почту.\n2. Введите доменный пароль.",
            keywords="почта, outlook, email, mail, вход",
        ),
        "mail_en": ArticleFactory(
            category=access,
            language="en",
            title="Cannot sign in to corporate mail",
            problem="Outlook or webmail rejects the password and mail does not open.",
            solution="1. Open webmail.\n2. Enter your domain password.",
            keywords="mail, outlook, email, почта, login",
        ),
        "vpn_ru": ArticleFactory(
            category=network,
            language="ru",
            title="VPN не подключается",
            problem="Клиент VPN выдаёт ошибку и не подключается из дома.",
            solution="1. Проверьте интернет.\n2. Перезапустите клиент.",
            keywords="vpn, впн, anyconnect, удалённый доступ",
        ),
        "vpn_en": ArticleFactory(
            category=network,
            language="en",
            title="VPN does not connect",
            problem="The VPN client shows an error and does not connect from home.",
            solution="1. Check the internet connection.\n2. Restart the VPN client.",
            keywords="vpn, впн, anyconnect, remote access",
        ),
        "printer_ru": ArticleFactory(
            category=printers,
            language="ru",
            title="Принтер не печатает",
            problem="Документы уходят в очередь печати, но принтер ничего не печатает.",
            solution="1. Проверьте бумагу.\n2. Очистите очередь печати.",
            keywords="принтер, печать, мфу, printer",
        ),
        "paper_jam_ru": ArticleFactory(
            category=printers,
            language="ru",
            title="Принтер зажёвывает бумагу",
            problem="Бумага застревает в принтере и мнётся.",
            solution="Откройте крышку и аккуратно достаньте лист.",
            keywords="замятие, застряла бумага, жует",
        ),
    }
