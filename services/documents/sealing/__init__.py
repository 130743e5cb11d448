"""The PAdES seal on every completed document (docs/signed-pdf.md).

    authority.py  the platform CA: load it, make a development one, issue an organisation's certificate
    seal.py       bytes + key material + optional timestamper -> sealed bytes (pyHanko)
    org_keys.py   each organisation's seal key and certificate, issued at first use, key sealed at rest
    sealer.py     what the completion worker calls: the org's identity + the TSA -> sealed PDF
"""
