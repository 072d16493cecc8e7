"""The header names the person once: a role that only repeats their title is not shown again."""

from accounts.roles import Role
from tests.factories import UserFactory


def test_the_header_does_not_repeat_a_title_that_is_the_role(client, org):
    person = UserFactory(username="kim", first_name="Kim", last_name="Kvist", title="Kommunikatör",
                         department=org.own, roles=[Role.COMMUNICATOR])  # fmt: skip
    client.force_login(person)
    html = client.get("/").content.decode()
    assert "Kim Kvist, Kommunikatör" in html
    assert 'class="user-box__roles"' not in html


def test_the_header_shows_a_role_the_title_does_not_say(client, org):
    person = UserFactory(username="rut", first_name="Rut", last_name="Rask", title="Rektor",
                         department=org.own, roles=[Role.HEAD_OF_DEPARTMENT])  # fmt: skip
    client.force_login(person)
    html = client.get("/").content.decode()
    assert 'class="user-box__roles">Förvaltningschef<' in html
