"""The X keysym of a character, the one number both the X server (XTEST) and the desktop portal type it by."""


def char_keysym(char: str) -> int:
    """The keysym of one character: Latin-1 keysyms equal their code points, the rest are 0x01000000 + code point."""
    point = ord(char)
    if 0x20 <= point <= 0x7E or 0xA0 <= point <= 0xFF:
        return point
    return 0x01000000 | point
