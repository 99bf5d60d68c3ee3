import pytest

from knowledge.tests.factories import ArticleFactory, CategoryFactory


@pytest.fixture(autouse=True)
def instant_offline_answers(settings):
    settings.HELPDESK_OFFLINE_WORD_DELAY = 0


@pytest.fixture
def mail_article(db):
    category = CategoryFactory(
        slug="access_passwords", name_en="Access", name_ru="Доступ"
    )
    return ArticleFactory(
        category=category,
        language="ru",
        title="Не могу войти в корпоративную почту",
        problem="Outlook или веб-почта не принимает пароль, почта не открывается.",
        solution="1. Откройте https://mail.example.com.\n2. Введите доменный пароль.",
        keywords="почта, outlook, email, mail, вход",
    )


@pytest.fixture
def vpn_article(db):
    category = CategoryFactory(slug="network", name_en="Network", name_ru="Сеть")
    return ArticleFactory(
        category=category,
        language="en",
        title="VPN does not connect",
        problem="The VPN client shows an error and does not connect from home.",
        solution="1. Check the internet connection.\n2. Restart the VPN client.",
        keywords="vpn, впн, anyconnect, remote access",
    )
