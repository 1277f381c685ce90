"""A hypothesis state machine for what a schema cannot say about the API.

It keeps a model of the tenant and checks, after every step:

* the SIP account list holds exactly the accounts created and not deleted (plus any that existed before a live run);
* a deleted id answers 404 and is never given to a new account;
* usernames stay unique: a second create with a taken username answers 409;
* there is at most one external script per client: a second create answers 409;
* an update changes only the fields given, keeps ``created_at`` and the username, and moves ``updated_at``;
* the status of an account follows its registration state (driven through the emulator's controls);
* every success is answered as the target's response style says (``x-apidaze-style`` in the contract: its status,
  and one record in an array, alone, or no body), and no other way.

In-process half the creates and updates of SIP accounts send JSON, which the emulator reads like the form KPN
declares (a leniency outside the contract): the same checks then hold the two readings to the same results.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, precondition, rule

from contract_tests import settings
from contract_tests.client import Reply, Target
from contract_tests.schema import style_answers

API = settings.API_PREFIX
ANSWERS = style_answers()
ACCOUNT_FIELDS = ("name", "internal_caller_id_number", "external_caller_id_number", "mwi_account")

# A few names, so that hypothesis often picks one that is taken.
usernames = st.sampled_from(["alice", "bob", "carol", "dave", "eve.b", "f_1"])
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=64)
numbers = st.one_of(st.just(""), st.from_regex(r"\+?[0-9]{1,15}", fullmatch=True))
mwi = st.from_regex(r"[A-Za-z0-9_.@+-]{0,20}", fullmatch=True)
account_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": names,
        "internal_caller_id_number": numbers,
        "external_caller_id_number": numbers,
        "mwi_account": mwi,
    },
)
script_urls = st.builds(
    lambda port, path: f"http://127.0.0.1:{port}/{path}.xml",
    st.integers(1024, 65535),
    st.from_regex(r"[a-z]{1,12}", fullmatch=True),
)
script_names = st.text(st.characters(codec="ascii", categories=("L", "N")), max_size=40)


def expect(condition: bool, message: str, reply: Reply) -> None:
    if not condition:
        raise AssertionError(f"{message}\nanswer: {reply.describe()}")


def success(target: Target, operation_id: str, reply: Reply) -> Any:
    """The record a success answer holds (None when it has no body), after holding status and form to the
    contract's answer for the target's response style (either documented one when the style is unknown)."""
    answers = ANSWERS[operation_id]
    styles = [target.style] if target.style is not None else list(answers)
    forms = [answers[style].form for style in styles if answers[style].status == reply.status]
    wanted = " or ".join(f"{answers[style].status} ({style})" for style in styles)
    expect(bool(forms), f"{operation_id} must answer {wanted}", reply)
    body = reply.body
    if "array" in forms and isinstance(body, list):
        expect(len(body) == 1, f"{operation_id}: one record in a one-element array", reply)
        return body[0]
    if "object" in forms and isinstance(body, dict):
        return body
    expect("none" in forms and body is None, f"{operation_id}: a body of the form {forms} of the contract", reply)
    return None


class ApiModel(RuleBasedStateMachine):
    """Subclasses set ``make_target`` (see ``test_model.py`` and the broken variants)."""

    make_target: ClassVar[Any]  # Callable[[], Target]; a plain attribute so hypothesis does not bind it

    accounts = Bundle("accounts")
    scripts = Bundle("scripts")

    def __init__(self) -> None:
        super().__init__()
        self.target: Target = type(self).make_target()
        self.prefix = f"ct{uuid.uuid4().hex[:6]}-"  # live runs must not collide with accounts already there
        self.model: dict[str, dict[str, Any]] = {}  # id -> expected account (flat fields + timestamps)
        self.registered: dict[str, bool] = {}
        self.baseline: dict[str, dict[str, Any]] = {}  # accounts of a live tenant that we may not touch
        self.seen_ids: set[str] = set()
        self.deleted: set[str] = set()
        self.script: dict[str, Any] | None = None
        self.script_ids: set[str] = set()
        self.created_script = False

    @initialize()
    def start(self) -> None:
        self.target.reset()
        listed = self.target.request("GET", f"{API}/sipaccounts")
        expect(listed.status == 200, "list SIP accounts", listed)
        self.baseline = {item["id"]: item for item in listed.body}
        self.seen_ids = set(self.baseline)
        scripts = self.target.request("GET", f"{API}/externalscripts")
        expect(scripts.status == 200, "list external scripts", scripts)
        expect(len(scripts.body) <= 1, "at most one external script per client", scripts)
        if scripts.body:
            self.script = scripts.body[0]
            self.script_ids.add(self.script["id"])

    # SIP accounts -----------------------------------------------------------------------------------------------

    @rule(target=accounts, username=usernames, fields=account_fields, as_json=st.booleans())
    def create_account(self, username: str, fields: dict[str, str], as_json: bool) -> str:
        username = self.prefix + username
        taken = any(account["username"] == username for account in self.model.values())
        form = {"username": username, **fields}
        reply = self.target.request("POST", f"{API}/sipaccounts", form, as_json=as_json and self.target.json_bodies)
        if taken:
            expect(reply.status == 409, f"a second account with username {username!r} must be refused", reply)
            return next(i for i, a in self.model.items() if a["username"] == username)
        created = success(self.target, "createSipAccount", reply)
        new_id = created["id"]
        expect(new_id not in self.seen_ids, f"id {new_id!r} was given before (deleted ids are never reused)", reply)
        self.seen_ids.add(new_id)
        expected = {"username": username, **dict.fromkeys(ACCOUNT_FIELDS, ""), **fields}
        self._expect_account(created, expected, reply)
        expect(created["created_at"] == created["updated_at"], "a new account was never updated", reply)
        expected["created_at"] = expected["updated_at"] = created["created_at"]
        self.model[new_id] = expected
        self.registered[new_id] = False
        return str(new_id)

    @rule(account_id=accounts)
    def get_account(self, account_id: str) -> None:
        reply = self.target.request("GET", f"{API}/sipaccounts/{account_id}")
        if account_id not in self.model:
            expect(reply.status == 404, f"deleted account {account_id} must be gone", reply)
            return
        self._expect_account(success(self.target, "getSipAccount", reply), self.model[account_id], reply)

    @rule(account_id=accounts, fields=account_fields, as_json=st.booleans())
    def update_account(self, account_id: str, fields: dict[str, str], as_json: bool) -> None:
        self.target.tick()
        as_json = as_json and self.target.json_bodies
        reply = self.target.request("PUT", f"{API}/sipaccounts/{account_id}", fields, as_json=as_json)
        if account_id not in self.model:
            expect(reply.status == 404, f"deleted account {account_id} cannot be updated", reply)
            return
        updated = success(self.target, "updateSipAccount", reply)
        before = self.model[account_id]
        expected = {**before, **fields}
        self._expect_account(updated, {**expected, "updated_at": updated["updated_at"]}, reply)
        expect(updated["updated_at"] > before["updated_at"], "updated_at must move on update", reply)
        expected["updated_at"] = updated["updated_at"]
        self.model[account_id] = expected

    @rule(account_id=consumes(accounts))
    def delete_account(self, account_id: str) -> None:
        reply = self.target.request("DELETE", f"{API}/sipaccounts/{account_id}")
        if account_id not in self.model:
            expect(reply.status == 404, f"account {account_id} was deleted already", reply)
            return
        deleted = success(self.target, "deleteSipAccount", reply)
        if deleted is not None:  # style upstream answers 204 without a body
            self._expect_account(deleted, self.model[account_id], reply)
        del self.model[account_id]
        self.deleted.add(account_id)

    @precondition(lambda self: bool(self.deleted))
    @rule()
    def deleted_stay_gone(self) -> None:
        """Ids that delete took out of the bundle are still checked: they must keep answering 404."""
        for gone in sorted(self.deleted)[-3:]:
            reply = self.target.request("GET", f"{API}/sipaccounts/{gone}/status")
            expect(reply.status == 404, f"status of deleted account {gone} must be 404", reply)

    @precondition(lambda self: self.target.can_reset)
    @rule(account_id=accounts, registered=st.booleans())
    def set_registration(self, account_id: str, registered: bool) -> None:
        if account_id not in self.model:
            return
        self.target.set_registration(account_id, registered)
        self.registered[account_id] = registered

    @rule(account_id=accounts)
    def status(self, account_id: str) -> None:
        reply = self.target.request("GET", f"{API}/sipaccounts/{account_id}/status")
        if account_id not in self.model:
            expect(reply.status == 404, f"status of deleted account {account_id} must be 404", reply)
            return
        body = success(self.target, "getSipAccountStatus", reply)
        self._expect_account(body, self.model[account_id], reply)
        want = "Registered" if self.registered[account_id] else "Not registered"
        expect(body["status"] == want, f"status must follow registration ({want})", reply)
        expect(body["uri"].startswith(f"sip:{self.model[account_id]['username']}@"), "uri names the username", reply)

    @invariant()
    def list_is_created_minus_deleted(self) -> None:
        reply = self.target.request("GET", f"{API}/sipaccounts")
        expect(reply.status == 200, "list SIP accounts", reply)
        listed = {item["id"]: item for item in reply.body}
        want = set(self.baseline) | set(self.model)
        expect(set(listed) == want, f"list must hold exactly {sorted(want)}", reply)
        names_listed = [item["sip"]["username"] for item in reply.body]
        expect(len(names_listed) == len(set(names_listed)), "usernames must be unique", reply)
        for account_id, expected in self.model.items():
            self._expect_account(listed[account_id], expected, reply)

    # External script --------------------------------------------------------------------------------------------

    @rule(target=scripts, url=script_urls, name=script_names)
    def create_script(self, url: str, name: str) -> str:
        reply = self.target.request("POST", f"{API}/externalscripts", {"url": url, "name": name})
        if self.script is not None:
            expect(reply.status == 409, "a second external script must be refused", reply)
            return str(self.script["id"])
        created = success(self.target, "createExternalScript", reply)
        expect(created["id"] not in self.script_ids, "script ids are never reused", reply)
        expect((created["url"], created["name"]) == (url, name), "script as created", reply)
        self.script_ids.add(created["id"])
        self.script = created
        self.created_script = True
        return str(created["id"])

    @precondition(lambda self: self.created_script)  # never touch a script that was there before a live run
    @rule(script_id=scripts, url=script_urls, name=st.none() | script_names)
    def update_script(self, script_id: str, url: str, name: str | None) -> None:
        self.target.tick()
        form = {"url": url} if name is None else {"url": url, "name": name}
        reply = self.target.request("PUT", f"{API}/externalscripts/{script_id}", form)
        if self.script is None or self.script["id"] != script_id:
            expect(reply.status == 404, f"script {script_id} is gone", reply)
            return
        updated = success(self.target, "updateExternalScript", reply)
        want_name = self.script["name"] if name is None else name
        expect((updated["url"], updated["name"]) == (url, want_name), "only the given fields change", reply)
        expect(updated["created_at"] == self.script["created_at"], "created_at never changes", reply)
        expect(updated["updated_at"] > self.script["updated_at"], "updated_at must move on update", reply)
        self.script = updated

    @precondition(lambda self: self.created_script)
    @rule(script_id=consumes(scripts))
    def delete_script(self, script_id: str) -> None:
        reply = self.target.request("DELETE", f"{API}/externalscripts/{script_id}")
        if self.script is None or self.script["id"] != script_id:
            expect(reply.status == 404, f"script {script_id} is gone", reply)
            return
        success(self.target, "deleteExternalScript", reply)
        self.script = None

    @rule()
    def list_scripts(self) -> None:
        reply = self.target.request("GET", f"{API}/externalscripts")
        expect(reply.status == 200, "list external scripts", reply)
        want = [] if self.script is None else [self.script]
        expect(reply.body == want, "the list holds exactly the one script (or none)", reply)

    # ------------------------------------------------------------------------------------------------------------

    def teardown(self) -> None:
        if self.target.can_reset:
            return  # the next run resets the tenant
        # Live against an API we cannot reset: remove what this run created, and nothing else.
        for account_id in list(self.model):
            self.target.request("DELETE", f"{API}/sipaccounts/{account_id}")
        if self.created_script and self.script is not None:
            self.target.request("DELETE", f"{API}/externalscripts/{self.script['id']}")

    def _expect_account(self, got: dict[str, Any], want: dict[str, Any], reply: Reply) -> None:
        seen = {
            "username": got["sip"]["username"],
            "name": got["name"],
            "internal_caller_id_number": got["callerid"]["internal_number"],
            "external_caller_id_number": got["callerid"]["external_number"],
            "mwi_account": got["voicemail"]["mwi_account"],
        }
        for key, value in seen.items():
            expect(value == want[key], f"{key}: expected {want[key]!r}, got {value!r}", reply)
        for key in ("created_at", "updated_at"):
            if key in want:
                expect(got[key] == want[key], f"{key}: expected {want[key]!r}, got {got[key]!r}", reply)
