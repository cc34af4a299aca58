"""Cached loaders: the assets are committed, so a missing pretrained model or dataset is one error line
in the page, not a crash."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def missing_things_page():
    import streamlit as st

    import resources

    calculator = resources.load_pretrained("no_such_model")
    dataset = resources.load_dataset("no_such_dataset")
    st.write(f"calculator is None: {calculator is None}, dataset is None: {dataset is None}")


def test_missing_model_and_dataset_are_one_error_line_each():
    app = AppTest.from_function(missing_things_page, default_timeout=60).run()
    assert not app.exception, app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 2 and all("\n" not in e and "missing" in e for e in errors)
    assert "assets/models/no_such_model.pt" in errors[0] and "assets/data/no_such_dataset.extxyz" in errors[1]
    assert not any("yet" in i.value for i in app.info)
    assert "calculator is None: True, dataset is None: True" in app.markdown[0].value
