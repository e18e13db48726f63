/// Verification quality from feedback labels (DESIGN §6): pure, no I/O. Convention: accept ⇔
/// score ≥ threshold; label 1 (genuine) or 0 (impostor).
public enum Verification {}
