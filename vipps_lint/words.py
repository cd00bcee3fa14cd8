"""Small wording helpers shared by the stages that write messages for people."""


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
