"""Calls Portico through Kombo's official Python SDK (`kombo` on PyPI) and prints what the SDK
returned or raised, as JSON, for tests/api/kombo_sdk.rs.

    PORTICO_KOMBO_KEY=... sdk_calls.py BASE_URL CALLS

CALLS is a JSON list of `[group, method, kwargs]`, e.g.
`[["general", "check_api_key", {}], ["connect", "create_connection_link", {...}]]`. The SDK is
pointed at `BASE_URL/v1` with the API key of `PORTICO_KOMBO_KEY` (not an argument, so it is not
in the process list). The output is one JSON list, one entry per call: `{"ok": <the SDK's
response model, dumped>}` or `{"error": {"class", "code", "title", "message", "log_url",
"status_code", "body"}}`.
"""

import json
import os
import sys

from kombo import Kombo, errors


def run(sdk, group, method, kwargs):
    try:
        response = getattr(getattr(sdk, group), method)(**kwargs)
        return {"ok": response.model_dump(mode="json", by_alias=True)}
    except errors.KomboGeneralError as e:
        return {
            "error": {
                "class": type(e).__name__,
                "code": e.data.error.code,
                "title": e.data.error.title,
                "message": e.data.error.message,
                "log_url": e.data.error.log_url,
                "status_code": e.status_code,
                "body": e.body,
            }
        }
    except errors.SDKError as e:
        # Anything else the SDK raises (it could not parse the answer): what it saw.
        return {
            "error": {
                "class": type(e).__name__,
                "code": None,
                "message": str(e),
                "status_code": e.status_code,
                "body": e.body,
            }
        }


def main():
    base_url, calls = sys.argv[1], json.loads(sys.argv[2])
    api_key = os.environ["PORTICO_KOMBO_KEY"]
    with Kombo(api_key=api_key, server_url=f"{base_url}/v1") as sdk:
        print(json.dumps([run(sdk, *call) for call in calls]))


if __name__ == "__main__":
    main()
