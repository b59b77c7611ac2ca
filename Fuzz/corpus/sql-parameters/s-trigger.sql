sCREATE TABLE t (a, b, c);
CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET b = :b WHERE a = new.a; END;
INSERT INTO t VALUES (:a, ?, $x);
SELECT `q:not`, [b:not], 'it''s :not' FROM t WHERE a = :a;
