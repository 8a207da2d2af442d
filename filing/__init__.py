"""Filing: the officer's dossiers (hồ sơ) from opening to the agency archive, the registry's registers of incoming
and outgoing documents (sổ đăng ký văn bản đến, đi), each user's saved searches, and the checks of what is captured
(digital signatures). Domain services: no Flask, the caller commits."""

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# pyHanko 0.28 imports cryptography's DSA types, which cryptography now marks deprecated: without this every command
# and test run would print the warning, though ERMS never uses DSA.
warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning, module="pyhanko")
