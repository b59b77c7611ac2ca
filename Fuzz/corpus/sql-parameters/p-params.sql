pINSERT INTO users (email, password) VALUES (:email, :password) ON CONFLICT (email) DO NOTHING;
SELECT :email::text, a::int[], f(x := 1);
