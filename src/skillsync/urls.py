"""The one URL redactor: what of a URL may be shown (RELIABILITY.md 15-16, issue 12).

Credentials hide in two places of a URL: the userinfo (`https://x:TOKEN@host/`, and
GitHub takes a bare token as the user name too) and the query string
(`?access_token=...`, a signed URL's `sig=`). `redact_url` drops the first and masks
every value of the second (the names stay: they say what was there), and drops the
fragment. `redact_urls` does the same to every URL inside a text, since git's own
messages echo the remote. Everything that prints a URL goes through one of them;
`secrets.redact` applies `redact_urls` to every string leaving the process.

`credential_params` names the query parameters that look like credentials: the
target-file check (skillsync.targets) refuses those on a webhook URL.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

# scheme://... up to whitespace or a quote/bracket that ends a URL in prose or in git's
# "unable to access 'https://...': ..." messages.
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")

# A query parameter whose name contains one of these is taken for a credential:
# access_token, private_token, token, sig / signature / X-Amz-Signature, key / api_key /
# apikey, secret / client_secret, password / passwd / pwd, auth / oauth_*, credential /
# X-Amz-Credential, session, jwt, bearer.
_CREDENTIAL_NAME = re.compile(r"token|secret|passw|pwd|sig|key|auth|cred|session|jwt|bearer",
                              re.IGNORECASE)

# ssh login names (git@, deploy@) are not secrets, and removing one breaks the remote.
_LOGIN_SCHEMES = ("ssh", "git+ssh", "ssh+git")


def redact_url(url: str) -> str:
    """`url` as it may be shown: no userinfo, every query value masked, and a fragment
    kept only when it is a plain anchor (`#when-to-roll-back`; `#access_token=…` is
    how OAuth's implicit flow hands out tokens, so a fragment with `=` is dropped).

    Not-URLs (local paths, scp-like `git@host:path`) come back unchanged."""
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(invalid URL)"
    anchor = parts.fragment if "=" not in parts.fragment and "&" not in parts.fragment else ""
    if "@" not in parts.netloc and not parts.query and anchor == parts.fragment:
        return url                         # nothing to hide: shown exactly as written
    if ":" in host:
        host = f"[{host}]"                 # IPv6 literal
    if port is not None:
        host += f":{port}"
    if parts.username and parts.password is None and parts.scheme.lower() in _LOGIN_SCHEMES:
        host = f"{parts.username}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, _mask_query(parts.query), anchor))


def redact_urls(text: str) -> str:
    """`text` with every URL in it passed through `redact_url` (cheap when there is none)."""
    if not text or "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda m: _redact_match(m.group(0)), text)


def url_secrets(url: str) -> list[str]:
    """The values in `url` that are secret, for secrets.register: the password, the user
    name when it stands alone (GitHub takes a token there), the value of every query
    parameter named like a credential (not all values: `ref=main` would mask every
    "main" in the output)."""
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return []
    found = [password or ""] if password else [user or ""]
    secret = set(credential_params(url))
    for item in parts.query.split("&"):
        name, _, value = item.partition("=")
        if name in secret:
            found.append(value)
    return [v for v in found if v]


def credential_params(url: str) -> list[str]:
    """Names of the query parameters of `url` that look like credentials, in order."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    names = [item.partition("=")[0] for item in query.split("&") if item]
    return [n for n in dict.fromkeys(names) if _CREDENTIAL_NAME.search(n)]


def _mask_query(query: str) -> str:
    # A bare item (`?abc123`) may be the token itself: masked whole.
    out = []
    for item in query.split("&"):
        name, sep, _value = item.partition("=")
        out.append(f"{name}={MASK}" if sep else (MASK if item else ""))
    return "&".join(out) if query else ""


def _redact_match(found: str) -> str:
    # Prose puts punctuation after a URL ("see https://host/x."): keep it outside.
    stripped = found.rstrip(".,;:)]}")
    return redact_url(stripped) + found[len(stripped):]
