"""The analyst app: `streamlit run app.py` (or `orderflow run`).

A thin entry: it names the pages and runs the one asked for, under the name of the store every
page reads (the demo store or yours, its URL with any password hidden). Every page is a module of
app_pages/ that draws what analytics/ and engine/ compute; nothing imports this file.
"""

import streamlit as st

from app_pages.settings import settings

st.set_page_config(page_title="orderflow", page_icon=":material/package_2:", layout="wide")

where = settings()
st.sidebar.markdown(f"**Reading {where.store_kind}**: `{where.store_shown}`")
st.sidebar.caption(where.store_note)

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/flow.py", title="Flow", icon=":material/account_tree:"),
    st.Page("app_pages/orders.py", title="Orders", icon=":material/package_2:"),
    st.Page("app_pages/rules.py", title="Rules", icon=":material/rule:"),
    st.Page("app_pages/simulate.py", title="Simulate", icon=":material/science:"),
    st.Page("app_pages/sync.py", title="Sync", icon=":material/sync:"),
]

st.navigation(PAGES).run()
