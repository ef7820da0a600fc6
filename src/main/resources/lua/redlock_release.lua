-- Deletes a lock only if we still own it (compare-and-delete with our random token).
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
