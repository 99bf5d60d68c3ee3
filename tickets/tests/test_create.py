import pytest
from django.urls import reverse

from chat.models import Message
from chat.tests.factories import ConversationFactory, MessageFactory
from knowledge.tests.factories import CategoryFactory
from tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db

URL = reverse("tickets:create")


def ticket_data(**overrides):
    return {
        "requester_name": "Anna Petrova",
        "requester_email": "anna@example.com",
        "category": "",
        "subject": "Laptop does not boot",
        "description": "The screen stays black after the logo.",
        **overrides,
    }


@pytest.fixture
def conversation(session_key):
    category = CategoryFactory(slug="network", name_en="Network", name_ru="Сеть")
    conversation = ConversationFactory(session_key=session_key, category=category)
    MessageFactory(conversation=conversation, text="VPN does not connect\nfrom home")
    MessageFactory(
        conversation=conversation,
        role=Message.Role.ASSISTANT,
        text="Try restarting the client.",
        confidence=0.3,
        handoff=Message.Handoff.LOW_CONFIDENCE,
    )
    return conversation


def conversation_url(conversation):
    return f"{URL}?conversation={conversation.public_id}"


def test_form_shows_fields(client):
    response = client.get(URL)

    assert response.status_code == 200
    for name in [
        "requester_name",
        "requester_email",
        "category",
        "subject",
        "description",
    ]:
        assert f'name="{name}"' in response.text
    assert 'name="priority"' not in response.text


def test_form_prefills_signed_in_user(employee_client):
    response = employee_client.get(URL)

    form = response.context["form"]
    assert form.initial["requester_email"] == "anna@example.com"
    assert form.initial["requester_name"] == "Anna"


def test_prefilled_name_passes_the_form(employee_client, employee):
    employee.first_name = "Anna\u202e"
    employee.last_name = "Petrova\x1b"
    employee.save()

    page = employee_client.get(URL)
    response = employee_client.post(
        URL, ticket_data(requester_name=page.context["form"].initial["requester_name"])
    )

    assert page.context["form"].initial["requester_name"] == "Anna Petrova"
    assert response.status_code == 302
    assert Ticket.objects.get().requester_name == "Anna Petrova"


def test_form_prefills_from_conversation(visitor, conversation):
    response = visitor.get(conversation_url(conversation))

    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["subject"] == "VPN does not connect"
    assert "from home" in form.initial["description"]
    assert form.initial["category"] == conversation.category


def test_form_action_keeps_conversation(visitor, conversation):
    response = visitor.get(conversation_url(conversation))

    assert f'action="{conversation_url(conversation)}"' in response.text


def test_other_visitors_conversation_is_404(client, conversation):
    response = client.get(conversation_url(conversation))

    assert response.status_code == 404


def test_malformed_conversation_id_is_404(visitor):
    response = visitor.get(f"{URL}?conversation=not-a-uuid")

    assert response.status_code == 404


def test_htmx_get_renders_only_form(visitor, conversation):
    response = visitor.get(
        conversation_url(conversation), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith("<form")
    assert "<html" not in response.text
    assert 'hx-target="this"' in response.text


def test_create_redirects_to_tracking_page(client):
    response = client.post(URL, ticket_data())

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()


def test_create_stores_ticket_defaults(client):
    client.post(URL, ticket_data())

    ticket = Ticket.objects.get()
    assert ticket.reference.startswith("HD-")
    assert ticket.status == Ticket.Status.NEW
    assert ticket.priority == Ticket.Priority.NORMAL
    assert ticket.user is None
    assert ticket.conversation is None


def test_create_writes_first_event(client):
    client.post(URL, ticket_data())

    event = Event.objects.get()
    assert event.field == "status"
    assert event.old_value == ""
    assert event.new_value == Ticket.Status.NEW


def test_create_links_signed_in_user(employee_client, employee):
    employee_client.post(URL, ticket_data())

    assert Ticket.objects.get().user == employee


def test_create_links_conversation_and_handoff(visitor, conversation):
    visitor.post(conversation_url(conversation), ticket_data())

    ticket = Ticket.objects.get()
    assert ticket.conversation == conversation
    assert ticket.handoff == Message.Handoff.LOW_CONFIDENCE


def test_create_with_htmx_sends_hx_redirect(client):
    response = client.post(URL, ticket_data(), headers={"HX-Request": "true"})

    ticket = Ticket.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == ticket.get_absolute_url()


def test_invalid_input_keeps_data_and_shows_errors(client):
    data = ticket_data(requester_email="not an address", subject="")

    response = client.post(URL, data)

    assert response.status_code == 422
    assert not Ticket.objects.exists()
    assert 'id="id_requester_email_error"' in response.text
    assert 'id="id_subject_error"' in response.text
    assert "The screen stays black after the logo." in response.text
    assert 'value="not an address"' in response.text


def test_invalid_htmx_input_renders_form_partial(client):
    data = ticket_data(description="")

    response = client.post(URL, data, headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert response.text.lstrip().startswith("<form")
    assert 'id="id_description_error"' in response.text
    assert 'value="Laptop does not boot"' in response.text


def test_long_subject_rejected(client):
    response = client.post(URL, ticket_data(subject="x" * 201))

    assert response.status_code == 422
    assert "id_subject_error" in response.text


def test_long_description_rejected(client):
    response = client.post(URL, ticket_data(description="x" * 10_001))

    assert response.status_code == 422
    assert "id_description_error" in response.text


def test_create_stores_page_language(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    client.post(URL, ticket_data(subject="VPN"))

    assert Ticket.objects.get().language == "ru"


def test_russian_subject_on_english_page_stores_russian(client):
    client.post(URL, ticket_data(subject="Не печатает принтер на третьем этаже"))

    assert Ticket.objects.get().language == "ru"


def test_english_subject_on_russian_page_stores_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    client.post(URL, ticket_data(subject="Printer on the third floor is jammed"))

    assert Ticket.objects.get().language == "en"


def test_subject_line_breaks_collapsed(client):
    client.post(URL, ticket_data(subject="Laptop\r\ndoes not boot"))

    assert Ticket.objects.get().subject == "Laptop does not boot"


def test_sign_in_required_when_configured(client, settings):
    settings.HELPDESK_REQUIRE_LOGIN = True

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
