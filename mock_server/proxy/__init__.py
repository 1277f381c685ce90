"""``apidaze-mock proxy``: a validating, recording proxy in front of the real API.

A client points at the proxy instead of ``https://api-prd.kpn.com``, unchanged. Each request is read against the
contract before it goes upstream and each answer after it comes back, with the emulator's own reading of
``openapi/apidaze-cpaas.yaml`` (:mod:`mock_server.spec`); both pass unchanged. Violations land in the journal entry of
their call and in a summary; ``--record DIR`` writes what the answers showed as a seed file the emulator loads.

Modules, one job each: :mod:`.upstream` forwards with httpx, :mod:`.checks` reads a call against the contract,
:mod:`.violations` keeps the records, :mod:`.callers` ties tokens to clients, :mod:`.recorder` writes the seed
file, :mod:`.forward` is the request path, :mod:`.control` the ``/__admin`` endpoints, :mod:`.app` composes them and
:mod:`.cli` runs it.
"""
