pCREATE FUNCTION shout(t text) RETURNS text AS $$
BEGIN
    RETURN upper(t) || '; :not_a_param';
END;
$$ LANGUAGE plpgsql;
INSERT INTO notes (body) VALUES (shout(:author));
SELECT E'\':not', "q:not", $q$ :not; $q$ /* :c /* nested */ */ -- :line
