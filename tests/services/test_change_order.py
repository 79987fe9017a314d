"""Change ids follow commit order, so a change-feed reader never skips a late commit."""

import threading
import time

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.db import db
from api.models import Change, PublicState, Tag
from api.services.content import save_tag


@pytest.mark.postgresql
@pytest.mark.no_transaction
def test_a_second_writer_waits_for_the_first_to_commit(app):
    """Two transactions recording changes: the second blocks until the first commits, so the
    first commit holds the smaller id (a sequence alone would let them interleave)."""
    engine = db.engine(app)
    first, second = Session(engine), Session(engine)
    finished = {}

    def write_second():
        with app.app_context():
            save_tag(second, Tag(), {"name": "ordre-deuxième"})
            second.commit()
            finished["second"] = time.monotonic()

    try:
        with app.app_context():
            save_tag(first, Tag(), {"name": "ordre-premier"})  # holds the lock until commit
            worker = threading.Thread(target=write_second)
            worker.start()
            time.sleep(0.5)
            assert "second" not in finished, "the second writer did not wait"
            committed = time.monotonic()
            first.commit()
            worker.join(timeout=10)
        assert finished["second"] >= committed
        with Session(engine) as check:
            rows = check.execute(
                select(Change.id, Change.current["name"].as_string())
                .where(Change.resource == "tag")
                .where(Change.current["name"].as_string().like("ordre-%"))
                .order_by(Change.id)
            ).all()
        assert [name for _id, name in rows] == ["ordre-premier", "ordre-deuxième"]
    finally:
        first.close()
        second.close()
        with Session(engine) as cleanup:
            tags = select(Tag.id).where(Tag.name.like("ordre-%"))
            ids = list(cleanup.scalars(tags))
            cleanup.execute(delete(PublicState).where(PublicState.resource_id.in_(ids)))
            cleanup.execute(delete(Change).where(Change.resource_id.in_(ids)))
            cleanup.execute(delete(Tag).where(Tag.id.in_(ids)))
            cleanup.commit()
