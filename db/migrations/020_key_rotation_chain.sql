-- Rotations of the admission-token keys are audited (admission_key_rotated), as links of this chain.
INSERT INTO audit_chains (chain_key) VALUES ('keys');
