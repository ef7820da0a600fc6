-- Forgets one product's inventory (an operator's rebuild starts from PostgreSQL alone): holds and confirms of it
-- answer NOT_LOADED and wait for the rebuild.  KEYS: stock, holds, expiry, confirming, limits
return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
