"""Password rules and hashing (scrypt, via Werkzeug).

The rules follow NIST SP 800-63B: length (12 to 256), no composition rules, and a refusal
of passwords that appear on breach lists or are built from a common word, a keyboard
run or a repeated pattern.
"""

import re

from werkzeug.security import check_password_hash, generate_password_hash

MIN_PASSWORD = 12
MAX_PASSWORD = 256

# Passwords of 12+ characters that top the published breach lists (shorter ones fail
# the length rule anyway).
COMMON_PASSWORDS = frozenset(
    """
    123456789012 1234567890123 12345678901234 123456789123 1234567891011 12345678910
    123456123456 123123123123 111111111111 000000000000 121212121212 147258369147
    987654321987 159357159357 qwertyuiopas qwertyuiop12 qwertyuiop123 qwerty123456
    qwertyqwerty qwerty12345678 1q2w3e4r5t6y 1qaz2wsx3edc 1qaz2wsx3edc4rfv zaq12wsxcde3
    zaq1zaq1zaq1 asdfghjkl123 asdfasdfasdf passwordpassword password1234 password12345
    password123456 password123! p@ssw0rd1234 p@ssword1234 iloveyou1234 iloveyouiloveyou
    letmein12345 welcome12345 welcome@1234 administrator administrator1 changeme1234
    abcdefghijkl abc123abc123 abcd1234abcd football1234 baseball1234 basketball12
    princess1234 sunshine1234 trustno1trustno1 monkey123456 dragon123456 michael12345
    superman1234 batman123456 starwars1234 pokemon12345 liverpool123 chelsea12345
    arsenal12345 manchesterunited mypassword123 mypassword12 secret123456 thisisapassword
    thisismypassword correcthorsebatterystaple thequickbrownfox psychotherapy
    psychotherapist therapist123 therapy12345 counselling1 counseling123 lovelovelove
    happyhappyhappy 11223344556677 aabbccddeeff q1w2e3r4t5y6 1234qwerasdf qazwsxedcrfv
    """.split()  # noqa: SIM905  (a word list reads best as text)
)
# Words that, padded with digits or symbols, make the most guessed passwords.
COMMON_WORDS = frozenset(
    """
    password passwort qwerty qwertz azerty iloveyou letmein welcome admin administrator
    monkey dragon football baseball soccer sunshine princess master shadow superman
    batman trustno whatever changeme secret therapy therapist practice login abc test
    hello freedom summer winter spring autumn love
    """.split()  # noqa: SIM905
)
# Keyboard and alphabet runs: a password that is a piece of one of these is a run.
RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789012345678901234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "zaq12wsxcde34rfvbgt56yhnmju78ik9ol0p",
    "1q2w3e4r5t6y7u8i9o0p",
)
LEET = str.maketrans("@4310$5!7", "aaeiossit")


def _is_run(text: str) -> bool:
    return any(text in run or text in run[::-1] for run in RUNS)


def _is_repetition(text: str) -> bool:
    """True for 'abcabcabcabc' and the like: a short chunk repeated."""
    return re.fullmatch(r"(.{1,6}?)\1+", text) is not None


def _built_on_common_word(core: str) -> bool:
    """True for 'password', 'passwordpassword' (digits and symbols around already cut)."""
    chunk = re.fullmatch(r"(.+?)\1*", core)
    return bool(chunk) and chunk[1] in COMMON_WORDS


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is unacceptable, or None. No composition rules, on purpose."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    lowered = password.lower()
    squeezed = re.sub(r"\s+", "", lowered)
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", squeezed).translate(LEET)
    if (
        lowered in COMMON_PASSWORDS
        or squeezed in COMMON_PASSWORDS
        or len(set(squeezed)) <= 3
        or _is_run(squeezed)
        or _is_repetition(squeezed)
        or _built_on_common_word(core)
    ):
        return "This password is too common or too easy to guess; choose a less predictable one."
    if email:
        local = re.sub(r"[\W\d_]+", "", email.split("@")[0].lower())
        if lowered == email.lower() or (local and re.sub(r"[\W\d_]+", "", lowered) == local):
            return "Do not use your e-mail address (or its name part) as your password."
    return None


def hash_password(password: str) -> str:
    """A salted scrypt hash."""
    return generate_password_hash(password, method="scrypt")


_DUMMY_HASH: list[str] = []


def check_password_hash_or_dummy(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown account) spend the same time and fail.

    Makes "unknown e-mail" and "wrong password" indistinguishable by response time.
    """
    if not password_hash:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password("not the password of anyone"))
        check_password_hash(_DUMMY_HASH[0], password)
        return False
    return check_password_hash(password_hash, password)
