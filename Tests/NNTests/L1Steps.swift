import NN
import Tensor

/// `steps` training steps of `net` on one fixed pair with L1 loss and `adam`; the loss before each.
func l1Steps(_ net: Sequential, input: Tensor, target: Tensor, adam: Adam, steps: Int) throws -> [Float] {
    var losses: [Float] = []
    for _ in 0..<steps {
        net.zeroGrad()
        let loss = try Loss.l1(net(input), target)
        losses.append(loss.item)
        try loss.backward()
        adam.step()
    }
    return losses
}
