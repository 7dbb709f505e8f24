"""Forms by concept: lots (and photos), needs, market rules and FX rates,
and what they share (common). Forms only validate and shape input; saving goes
through the services, whose refusals are shown on the field they name."""
