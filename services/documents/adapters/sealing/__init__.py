"""The PAdES seal's building blocks (docs/signed-pdf.md), pure of the database:

    authority.py  the platform CA: load it, make a development one, issue an organisation's certificate
    seal.py       bytes + key material + optional timestamper -> sealed bytes (pyHanko)

The use cases around them are commands/seal_identity.py (each organisation's key and certificate,
issued at first use, key sealed at rest; SQL in db/seal_repository.py) and commands/sealing.py
(what the completion worker calls: the organisation's identity + the TSA -> sealed PDF).
"""
