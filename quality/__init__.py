"""Communication quality: pure checks of what managers write and say to clients.

names (addressing by first name), spelling (Hunspell through Enchant), phrases (configured
lists), reply_speed (working-hours reply times); text ties them into one verdict per message.
"""
