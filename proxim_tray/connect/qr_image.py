"""The pairing link in a picture of the host's QR code (a screenshot, a photo), read with zxing-cpp."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image, UnidentifiedImageError

from proxim_tray.client import PairingLink
from proxim_tray.errors import ProximError


def link_from_image(path: Path) -> str:
    try:
        with Image.open(path) as image:
            found = zxingcpp.read_barcodes(
                image.convert("RGB"), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
    except (OSError, UnidentifiedImageError) as exc:
        raise ProximError(f"cannot read the picture {path}: {exc}") from exc
    for barcode in found:
        try:
            PairingLink.parse(barcode.text)
        except ProximError:
            continue
        return str(barcode.text)
    seen = f"{len(found)} QR code(s), none a Proxim pairing link" if found else "no QR code"
    raise ProximError(f"{path} holds {seen}: take a picture of the QR code the host shows now, or pass its link")
