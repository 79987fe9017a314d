"""How the rows of `queries.BYLINES_OF` become embedded references."""

import uuid

import pytest

from api.services.representations import uuid_text

ID = uuid.UUID("0b1e5c2d-9a7f-4c3e-8d21-5f6a7b8c9d0e")


@pytest.mark.parametrize(
    "read",
    [ID.hex, ID.hex.upper(), str(ID)],
    ids=["hex", "hex typed by hand", "hyphenated"],
)
def test_an_id_read_as_text_is_written_as_the_api_writes_ids(read):
    assert uuid_text(read) == str(ID)
