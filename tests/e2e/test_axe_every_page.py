"""Everyone: no WCAG 2.1 A or AA violation (axe-core) on any page of smgov, for any role.

The pages come from the URL conf and the role table, walked as tests/access/test_url_matrix.py
walks them, with its sample objects (`world`): every URL name whose GET the role table opens to
the person is opened in Chromium and checked if it answers with HTML, together with the refusal
(403) and not-found (404) pages the person meets, and the case page in the further states of MORE.
A part of a page that is fetched on its own (a status panel htmx polls) is checked inside the
site's layout, where it is shown. A URL name
without a spec in SPECS, or whose spec names an object the sample data lacks, fails here as it
fails there: a new page cannot go unchecked. One browser, one context per role; the
communicator's inbox and case are checked again at 390 px wide, where they must not scroll sideways.
Folded sections are unfolded first, so the forms inside them are checked too, and the forms for
something new are checked again sent back empty, with their errors.
"""

from django.urls import reverse

from accounts.roles import Area, Role, roles_of
from tests.access.test_url_matrix import (
    ROLES,
    SPECS,
    Spec,
    _person,
    _url,
    all_urls,
    expected,
    world,  # noqa: F401 - the URL matrix's sample objects
)
from tests.e2e.conftest import axe_script, axe_violations, log_in

# Further sample objects of the own department that show more of a page: a case whose reply awaits
# review, a case forwarded to an expert.
MORE = {"moderation:case": ("case_reply", "case_forward")}
NARROW = {"width": 390, "height": 844}
NARROW_PAGES = ("moderation:inbox", "moderation:case")
NOT_FOUND = "/finns-inte/"
# Forms for something new, sent back empty: their errors are checked too (an empty form saves
# nothing), once, with the first person who may open them.
SENT_EMPTY = (
    "accounts:request",
    "moderation:saved_reply_new",
    "moderation:flag_rule_new",
    "moderation:watch_new",
    "registry:diary_document_class_new",
)
SEND_EMPTY = """() => {
  const form = document.querySelector('main form[method=post]');
  form.noValidate = true;
  form.querySelectorAll('input[type=text], input[type=url], input[type=email], textarea').forEach(field => {
    field.value = '';
  });
  form.requestSubmit();
}"""
# Folded sections (the case's actions) are checked unfolded: axe passes over what is not shown.
OPEN_FOLDED = "document.querySelectorAll('details').forEach(details => { details.open = true })"


def _people(org) -> list:
    """Anonymous, then one person of each role (the first of the URL matrix's people who has it)."""
    people, covered = [("anonymous", None)], set()
    for role in ROLES[1:]:
        person = _person(org, role)
        if not roles_of(person) <= covered:
            covered |= roles_of(person)
            people.append((role, person))
    assert covered == set(Role.values), f"roles without a person to check: {set(Role.values) - covered}"
    return people


# Pages that are a third party's widget, not ours to change, with the reason.
THIRD_PARTY = {
    # Swagger UI as drf-spectacular-sidecar ships it (its own colours and its expanding operation
    # rows, a button inside a button); the API it documents is described in README and /api/schema/.
    "api:docs": "Swagger UI",
}


def _addresses(person, org, sample):
    """The GET addresses the role table opens to this person, one per URL name (the first side
    that opens) with the statuses it allows; the first address the role table refuses the person
    (403); and the URL names the specs or the sample data cannot fill."""
    pages, refused, unfilled, seen = [], None, [], set()
    for name, pattern, route in all_urls():
        if name not in SPECS:
            unfilled.append(name or route)
            continue
        if name in THIRD_PARTY:
            continue
        spec = SPECS[name]
        key = name if name in ("admin", "demo") else (name, route)
        if key in seen:
            continue
        seen.add(key)
        for side in ("own", "other") if spec.obj else ("own",):
            if spec.obj and spec.obj not in sample[side]:
                unfilled.append(name)
                break
            args = sample[side][spec.obj] if spec.obj else []
            allowed = expected(Spec(**{**spec.__dict__, "own_side": side}), person, org, sample, spec.obj)
            url = _url(name, pattern, route, args)
            if 200 in allowed:
                pages.append((name, url, allowed))
                if side == "own":  # the same page in the further states the sample data has
                    pages += [
                        (name, reverse(name, args=sample[side][more][:1]), allowed)
                        for more in MORE.get(name, ())
                    ]
                break
            if allowed == {403} and spec.area in Area.values and refused is None:
                refused = url
    return pages, refused, unfilled


def _violations(page, where: str, within: str | None = None) -> list[str]:
    return [
        f"{where}: {violation['id']} at {' '.join(map(str, node['target']))}"
        for violation in axe_violations(page, within)
        for node in violation["nodes"]
    ]


def test_every_page_of_every_role_has_no_wcag_violations(browser, live_server, org, world):  # noqa: F811
    found, wrong, unfilled, wide = [], [], set(), []
    sent = set()
    kinds = {}  # URL name -> "page", "part" (HTML without a document around it) or "file"
    for role, person in _people(org):
        context = browser.new_context(
            locale="sv-SE", timezone_id="Europe/Stockholm", base_url=live_server.url
        )
        context.add_init_script(axe_script())
        page = context.new_page()
        if person is not None:
            log_in(page, person.username)
            page.wait_for_url("**/")
        else:
            page.goto("/")
        addresses, refused, missing = _addresses(person, org, world)
        unfilled.update(missing)
        visited = set()
        for name, url, allowed in addresses:
            if name not in kinds or kinds[name] == "part":
                answer = context.request.get(url)
                if answer.status not in allowed:
                    wrong.append(f"{role} {url}: {answer.status}, not what the role table allows")
                    continue
                html = answer.headers.get("content-type", "").startswith("text/html")
                kinds[name] = "file" if not html else "page" if "<html" in answer.text() else "part"
                if kinds[name] == "part":
                    page.evaluate(
                        "html => { document.querySelector('main').innerHTML = html }", answer.text()
                    )
                    found += _violations(page, f"{role} {url} (in the layout)", within="main")
                    continue
            if kinds[name] != "page":
                continue
            response = page.goto(url)
            if response.status not in allowed:
                wrong.append(f"{role} {url}: {response.status}, not what the role table allows")
            if page.url in visited:  # sent on to a page already checked
                continue
            visited.add(page.url)
            page.evaluate(OPEN_FOLDED)
            found += _violations(page, f"{role} {url}")
            if role == "alice" and name in NARROW_PAGES:
                page.set_viewport_size(NARROW)
                found += _violations(page, f"{role} {url} at 390 px")
                if page.evaluate("document.documentElement.scrollWidth") > NARROW["width"]:
                    wide.append(f"{role} {url}")
                page.set_viewport_size({"width": 1280, "height": 720})
            if name in SENT_EMPTY and name not in sent:
                sent.add(name)
                with page.expect_navigation():
                    page.evaluate(SEND_EMPTY)
                if page.locator(".field-errors, .message--error, [role=alert]").count() == 0:
                    wrong.append(f"{role} {url} sent empty: no error shown")
                page.evaluate(OPEN_FOLDED)
                found += _violations(page, f"{role} {url} sent empty")
        for url, status in ((refused, 403), (NOT_FOUND, 404)):
            if url is not None:
                assert page.goto(url).status == status, (role, url)
                found += _violations(page, f"{role} {url} ({status})")
        context.close()
    problems = [
        *(
            f"{name}: no spec or sample object in tests/access/test_url_matrix.py"
            for name in sorted(unfilled)
        ),
        *wrong,
        *(f"{name}: no person opened it to send it empty" for name in sorted(set(SENT_EMPTY) - sent)),
        *found,
        *(f"{url} scrolls sideways at 390 px" for url in wide),
    ]
    assert not problems, (
        "WCAG 2.1 A/AA violations (page: rule at element) and pages not checked:\n" + "\n".join(problems)
    )
