"""Cached loaders: a missing pretrained model or dataset is a clear message in the page, not a crash."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def missing_things_page():
    import streamlit as st

    import resources

    calculator = resources.load_pretrained("no_such_model")
    dataset = resources.load_dataset("no_such_dataset")
    st.write(f"calculator is None: {calculator is None}, dataset is None: {dataset is None}")


def test_missing_model_and_dataset_are_explained_in_the_page():
    app = AppTest.from_function(missing_things_page, default_timeout=60).run()
    assert not app.exception, app.exception
    messages = " ".join(i.value for i in app.info)
    assert "assets/models/no_such_model.pt" in messages
    assert "assets/data/no_such_dataset.extxyz" in messages
    assert "calculator is None: True, dataset is None: True" in app.markdown[0].value
