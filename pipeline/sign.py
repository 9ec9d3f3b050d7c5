"""Digital signatures on archived packets: PAdES with pyHanko, made and checked offline.

A hash shows that a file has not changed since the hash was taken, but anyone who can write
the archive can change a file and hash it again. A signature can only be made with the signer's
private key, and names the signer through their certificate.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pipeline.errors import ArchiveError, UsageError

SIGNATURE_FIELD = "ArchivedVersion"


@dataclass(frozen=True)
class SignatureCheck:
    """What one signature in a PDF says, as pyHanko's validation found it."""

    signer: str
    certificate_sha256: str
    intact: bool  # the signed bytes are unchanged and the signature matches them
    whole_file: bool  # nothing was added to the file after it was signed
    trusted: bool  # the certificate chains to one the checker trusts


def load_signer(p12: Path, password: str):
    """The signing key and certificate of a PKCS#12 file (.p12 or .pfx)."""
    from pyhanko.sign.signers import SimpleSigner

    try:
        data = p12.read_bytes()
    except OSError as error:
        raise UsageError(f"{p12}: cannot read the signing key file ({error.strerror})") from error
    try:
        return SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=password.encode() if password else None
        )
    except ValueError as error:
        raise UsageError(f"{p12}: not a PKCS#12 key file, or the password is wrong") from error


def signer_name(signer) -> str:
    return signer.signing_cert.subject.human_friendly


def certificate_sha256(certificate) -> str:
    return hashlib.sha256(certificate.dump()).hexdigest()


def sign_pdf(path: Path, signer, reason: str) -> None:
    """Sign `path` in place (an incremental update): PAdES baseline, no time-stamp server."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        md_algorithm="sha256",
    )
    output = BytesIO()
    try:
        with path.open("rb") as stream:
            signers.sign_pdf(
                IncrementalPdfFileWriter(stream), metadata, signer=signer, output=output
            )
    except Exception as error:  # pyHanko raises several kinds; the cause stays chained
        raise ArchiveError(f"{path.name} could not be signed: {error}") from error
    path.write_bytes(output.getvalue())


def load_certificates(paths: list[Path]) -> list:
    """Certificates (PEM or DER) to trust when checking signatures."""
    from pyhanko.keys import load_cert_from_pemder

    certificates = []
    for path in paths:
        try:
            certificates.append(load_cert_from_pemder(str(path)))
        except (OSError, ValueError) as error:
            raise UsageError(f"{path}: not a certificate file (PEM or DER)") from error
    return certificates


def check_signatures(path: Path, trusted: list) -> list[SignatureCheck]:
    """Validate every signature in `path` against the `trusted` certificates, offline."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    checks = []
    # pyHanko logs a traceback for every certificate it cannot trust; the check says so itself.
    logger = logging.getLogger("pyhanko")
    level, logger.level = logger.level, logging.CRITICAL
    try:
        with path.open("rb") as stream:
            for signature in PdfFileReader(stream, strict=False).embedded_signatures:
                context = ValidationContext(trust_roots=trusted, allow_fetching=False)
                status = validate_pdf_signature(signature, context)
                checks.append(
                    SignatureCheck(
                        signer=status.signing_cert.subject.human_friendly,
                        certificate_sha256=certificate_sha256(status.signing_cert),
                        intact=status.intact and status.valid,
                        whole_file=status.coverage.name == "ENTIRE_FILE",
                        trusted=status.trusted,
                    )
                )
    finally:
        logger.level = level
    return checks
