"""Sales: referrals, beneficiaries, solidarity prices, catalogue, counter orders, impact."""
