"""bench/validate peer: pydantic 1.10 (Debian's python3-pydantic, run with /usr/bin/python3).

The Unicorn model of routes/unicorn.lua in pydantic; each payload goes from JSON text to a
validated model or the list of errors (e.errors()), for `seconds` per payload.
    /usr/bin/python3 bench/validate/pydantic_peer.py <payloads.json> <seconds>
"""
import json
import sys
import time
from typing import List, Literal, Optional

import pydantic
from pydantic import BaseModel, Extra, Field, ValidationError, confloat, constr


class Unicorn(BaseModel):
    class Config:
        extra = Extra.forbid

    name: constr(min_length=1, max_length=64) = Field(..., description="The unicorn's name")
    rainbow: bool = Field(..., description="Whether it trails a rainbow")
    horn_length_cm: Optional[confloat(gt=0, le=120)] = Field(None, description="Horn length in centimetres")
    color: Literal["white", "pink", "gold"] = "white"
    tags: List[str] = Field(default_factory=list, max_items=10)


def validate(text):
    try:
        return Unicorn.parse_raw(text), None
    except ValidationError as e:
        return None, e.errors()


def main():
    payload_file, seconds = sys.argv[1], float(sys.argv[2])
    with open(payload_file) as f:
        payloads = json.load(f)
    for name, payload in payloads.items():
        text = json.dumps(payload, separators=(",", ":"))
        value, errors = validate(text)
        outcome = "valid" if value is not None else "%d errors" % len(errors)
        n, batch = 0, 500
        t0 = time.process_time()
        deadline = t0 + seconds
        while True:
            for _ in range(batch):
                validate(text)
            n += batch
            if time.process_time() >= deadline:
                break
        rate = n / (time.process_time() - t0)
        print(json.dumps({"peer": "pydantic " + pydantic.VERSION, "payload": name, "outcome": outcome,
                          "records_per_s": int(rate)}))


main()
