"""The analyst app: `streamlit run app.py` (or `orderflow run`).

A thin entry: it names the pages and runs the one asked for. Every page is a module of
app_pages/ that draws what analytics/ and engine/ compute; nothing imports this file.
"""

import streamlit as st

st.set_page_config(page_title="orderflow", page_icon="📦", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon="📊", default=True),
    st.Page("app_pages/flow.py", title="Flow", icon="🔀"),
    st.Page("app_pages/orders.py", title="Orders", icon="📦"),
    st.Page("app_pages/rules.py", title="Rules", icon="📜"),
    st.Page("app_pages/simulate.py", title="Simulate", icon="🎲"),
    st.Page("app_pages/sync.py", title="Sync", icon="🔄"),
]

st.navigation(PAGES).run()
