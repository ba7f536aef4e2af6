"""Card protocols and data: ISO 7816-4 APDUs, TLV, the GA/T 467 ID card reader frames,
ID card text blocks, the social-security application and the PBOC purse.

Pure logic, no I/O: drivers/ supplies the transports.
"""
