"""Records taken in from outside (tiếp nhận): past years' scans with a spreadsheet of their metadata (legacy), and
BagIt bags from other systems, our own hand-over packages among them."""
