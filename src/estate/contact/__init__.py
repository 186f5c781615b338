"""Call handling and workforce planning: the contact-centre model, Erlang C staffing per queue
and interval, and the WFM feed (agent events to interval adherence)."""
