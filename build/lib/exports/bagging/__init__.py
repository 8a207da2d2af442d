"""BagIt packages: the layout of a package, the copy of its files (worker processes), the bag and its checks."""
