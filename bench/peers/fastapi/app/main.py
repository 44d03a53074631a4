"""The Unicorn API as the original tutorial builds it: FastAPI + pydantic, served by
uvicorn (`uvicorn app.main:app`). The same model as lakegate's routes/unicorn.lua; the
record is validated and returned, not stored. Written for Debian 12's packages (FastAPI
0.92, pydantic 1.10)."""
from enum import Enum
from typing import List, Optional

from fastapi import FastAPI
from pydantic import BaseModel, Extra, Field, confloat, constr


class Color(str, Enum):
    white = "white"
    pink = "pink"
    gold = "gold"


class Unicorn(BaseModel):
    """A unicorn sighting."""

    name: constr(min_length=1, max_length=64) = Field(..., description="The unicorn's name")
    rainbow: bool = Field(..., description="Whether it trails a rainbow")
    horn_length_cm: Optional[confloat(gt=0, le=120)] = Field(
        None, description="Horn length in centimetres")
    color: Color = Color.white
    tags: List[str] = Field(default_factory=list, max_items=10)

    class Config:
        extra = Extra.forbid


app = FastAPI(title="Unicorn API")


@app.get("/")
async def hello():
    return {"Hello": "World"}


@app.post("/unicorn", status_code=201, tags=["unicorns"], summary="Report a unicorn")
async def report_unicorn(unicorn: Unicorn):
    return unicorn
