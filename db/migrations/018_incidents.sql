-- Incidents a proctor records for a whole exam session (not for one participant, whose incidents are links
-- of their own chain) are links of this chain.
INSERT INTO audit_chains (chain_key) VALUES ('incidents');
