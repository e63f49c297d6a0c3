"""The simulated Mars world and the sim backend of every HAL contract.

Frames: world is NED (x north, y east, z down, metres from the takeoff point's datum); body is FRD (x forward,
y right, z down). Quaternions are (w, x, y, z) and rotate body vectors into the world frame.
"""
