-- Every check-in is decided by the application, under the row lock, in the pipelined transaction: the
-- check-in procedure of migration 007 and the name check it needed go.
DROP PROCEDURE IF EXISTS examgate_check_in;
ALTER TABLE participants DROP COLUMN name_check;
