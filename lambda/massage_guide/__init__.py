"""Back Massage Guide: an Alexa skill on how massage therapy may help relieve back pain."""
