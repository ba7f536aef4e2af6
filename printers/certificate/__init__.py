"""Certificates: the backend's certificate data rendered to an A4 PDF."""

from printers.certificate.data import CertificateData
from printers.certificate.renderer import CertificateRenderer

__all__ = ["CertificateData", "CertificateRenderer"]
